"""Shape inference and the flat index structure; the NumPy reference semantics against NumPy and einops."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from synth.einsum import einsum, normalize, parse, rearrange, reduce, repeat
from synth.einsum.ast import Ellipsis_
from synth.errors import ArityError, NameError_, ShapeError


def flat(bound):
    return [(op.flat_shape, op.indices) for op in bound.operands], bound.output, bound.output_shape


def test_matrix_product():
    b = normalize(parse("ij,jk->ik"), (2, 3), (3, 4))
    assert flat(b) == ([((2, 3), ("i", "j")), ((3, 4), ("j", "k"))], ("i", "k"), (2, 4))
    assert b.sizes == {"i": 2, "j": 3, "k": 4} and b.reduced == ("j",) and b.subscripts() == "ab,bc->ac"


def test_implicit_output_is_numpys():
    assert normalize(parse("ba"), (2, 3)).output == ("a", "b")
    assert normalize(parse("aB"), (2, 3)).output == ("B", "a")      # code-point order, as NumPy
    assert normalize(parse("ij,jk"), (2, 3), (3, 4)).output == ("i", "k")
    assert normalize(parse("i...j,j"), (2, 5, 3), (3,)).output == ("...0", "i")


def test_ellipsis_broadcasts_right_aligned_and_drops_size_one_dims():
    b = normalize(parse("...ij,...jk"), (5, 1, 2, 3), (7, 3, 4))
    assert flat(b) == ([((5, 2, 3), ("...0", "i", "j")), ((7, 3, 4), ("...1", "j", "k"))],
                       ("...0", "...1", "i", "k"), (5, 7, 2, 4))


def test_groups_split_with_keyword_sizes_and_compose_in_the_output():
    b = normalize(rearrange("b (h w) c -> b c h w", h=2), (4, 6, 5))
    assert flat(b) == ([((4, 2, 3, 5), ("b", "h", "w", "c"))], ("b", "c", "h", "w"), (4, 5, 2, 3))
    b = normalize(parse("b ... -> b (...)"), (2, 3, 4))
    assert flat(b) == ([((2, 3, 4), ("b", "...0", "...1"))], ("b", "...0", "...1"), (2, 12))
    b = normalize(repeat("h w -> h (w c)", c=3), (2, 5))
    assert flat(b) == ([((2, 5), ("h", "w"))], ("h", "w", "c"), (2, 15))
    assert normalize(parse("x () 1 -> x 1"), (2, 1, 1)).output_shape == (2, 1)


def test_keyword_sizes_given_at_bind_time():
    b = normalize(parse("rearrange((h w) -> h w)"), (12,), w=4)
    assert b.sizes == {"h": 3, "w": 4}


@pytest.mark.parametrize("expr, shapes, sizes, error, message", [
    ("ij,jk->ik", [(2, 16), (15, 4)], {}, ShapeError, "axis j: operand 0 has 16, operand 1 has 15"),
    ("ii->i", [(3, 4)], {}, ShapeError, "axis i: operand 0 has 3, operand 0 has 4"),
    ("ij,jk->ik", [(2, 3)], {}, ArityError, "'ij,jk->ik' takes 2 operands; found 1"),
    ("ij,jk->ik", [(2, 3, 4), (3, 4)], {}, ShapeError,
     "operand 0 has 3 axes, its pattern 'ij' names 2; found shape (2, 3, 4)"),
    ("...ij->...", [(2, 3)], {"q": 1}, NameError_, "size given for axis q"),
    ("...i,...i->...i", [(2, 3), (4, 3)], {}, ShapeError,
     "'...' axis 0 does not broadcast: operand 0 has 2, operand 1 has 4"),
    ("...i->i", [(2, 3)], {}, ShapeError, "the output has no '...'"),
    ("rearrange(b (h w) -> b h w, h=4)", [(2, 6)], {}, ShapeError,
     "axis w: group (h w) of operand 0 has size 6, not divisible by 4"),
    ("rearrange(b (h w) -> b h w)", [(2, 6)], {}, ShapeError,
     "cannot split group (h w) of operand 0 (size 6): axes h, w are unknown"),
    ("rearrange(b (h w) -> b h w, h=2, w=2)", [(2, 6)], {}, ShapeError,
     "group (h w) of operand 0 has size 6, but its axes multiply to 4"),
    ("rearrange(b h -> h b)", [(2, 6)], {"b": 3}, ShapeError, "axis b: b=3 has 3, operand 0 has 2"),
    ("rearrange(b h -> h b, b=2)", [(2, 6)], {"b": 3}, ShapeError, "axis b: b=2 has 2, b=3 has 3"),
    ("repeat(h -> h c)", [(2,)], {}, ShapeError, "axis c of the output has no size"),
    ("x 1 -> x", [(2, 3)], {}, ShapeError, "operand 0: a unit axis (1) has size 3"),
])
def test_mismatches_name_the_axis_operands_and_sizes(expr, shapes, sizes, error, message):
    with pytest.raises(error) as caught:
        normalize(parse(expr), *shapes, **sizes)
    assert str(caught.value).startswith(message)


# --- the reference semantics ------------------------------------------------------------------

rng = np.random.default_rng(0)


@pytest.mark.parametrize("numpy_text, named_text, shapes", [
    ("ij,jk->ik", "i j, j k -> i k", [(2, 3), (3, 4)]),
    ("bhid,bhjd->bhij", "b h i d, b h j d -> b h i j", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("ii->i", "i i -> i", [(3, 3)]),
    ("ii", "i i ->", [(3, 3)]),
    ("...ij,...jk", "... i j, ... j k -> ... i k", [(5, 1, 2, 3), (7, 3, 4)]),
    ("i,i,i->", "i, i, i ->", [(4,), (4,), (4,)]),
])
def test_named_einsum_agrees_with_numpy(numpy_text, named_text, shapes):
    arrays = [rng.normal(size=s) for s in shapes]
    expected = np.einsum(numpy_text, *arrays)
    np.testing.assert_allclose(einsum(numpy_text, *arrays), expected, rtol=1e-12)
    np.testing.assert_allclose(einsum(named_text, *arrays), expected, rtol=1e-12)


def test_einops_operations_by_hand():
    x = np.arange(24).reshape(2, 6, 2)
    np.testing.assert_array_equal(einsum(rearrange("b (h w) c -> b c h w", h=2), x),
                                  x.reshape(2, 2, 3, 2).transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(einsum(reduce("b c h -> b", "max"), x.reshape(2, 3, 4)),
                                  x.reshape(2, 12).max(axis=1))
    np.testing.assert_array_equal(einsum(repeat("h -> h c", c=2), np.array([1, 2])), [[1, 1], [2, 2]])
    np.testing.assert_array_equal(einsum("reduce(... -> , prod)", np.array([[1, 2], [3, 4]])), 24)


_EINOPS_CASES = [
    ("rearrange", "b (h w) c -> b c h w", {"h": 2}, (4, 6, 5)),
    ("rearrange", "b h w c -> b (c h w)", {}, (2, 3, 4, 5)),
    ("rearrange", "b ... -> b (...)", {}, (2, 3, 4)),
    ("rearrange", "(b1 b2) h w c -> (b1 h) (b2 w) c", {"b1": 2}, (4, 2, 3, 1)),
    ("rearrange", "b c 1 -> b c", {}, (2, 3, 1)),
    ("reduce", "b c h w -> b c", {}, (2, 3, 4, 5)),
    ("reduce", "b (h h2) (w w2) c -> b h w c", {"h2": 2, "w2": 2}, (2, 4, 6, 3)),
    ("reduce", "b c h w -> b () () c", {}, (2, 3, 4, 5)),
    ("repeat", "h w -> h w c", {"c": 3}, (2, 5)),
    ("repeat", "h w -> (h h2) (w w2)", {"h2": 2, "w2": 3}, (2, 5)),
    ("repeat", "h w -> c h w", {"c": 2}, (2, 5)),
]


@pytest.mark.parametrize("operation, pattern, sizes, shape", _EINOPS_CASES)
@pytest.mark.parametrize("reduction", ["sum", "mean", "max", "min", "prod"])
def test_einops_operations_agree_with_einops(operation, pattern, sizes, shape, reduction):
    einops = pytest.importorskip("einops")
    if operation != "reduce" and reduction != "sum":
        return
    x = rng.normal(size=shape)
    ours = {"rearrange": lambda: rearrange(pattern, **sizes), "repeat": lambda: repeat(pattern, **sizes),
            "reduce": lambda: reduce(pattern, reduction, **sizes)}[operation]()
    theirs = {"rearrange": lambda: einops.rearrange(x, pattern, **sizes),
              "repeat": lambda: einops.repeat(x, pattern, **sizes),
              "reduce": lambda: einops.reduce(x, pattern, reduction, **sizes)}[operation]()
    np.testing.assert_allclose(einsum(ours, x), theirs, rtol=1e-12)


def _draw_shapes(data, expr, largest: int) -> list[tuple[int, ...]]:
    """Operand shapes for expr: one size per letter, one list of axes for every '...'."""
    size = {c: data.draw(st.integers(1, largest)) for c in "abcdeXY"}
    extra = data.draw(st.lists(st.integers(1, 2), max_size=2))
    return [tuple(n for t in pattern for n in (extra if not hasattr(t, "name") else [size[t.name]]))
            for pattern in expr.inputs]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_numpy_expressions_agree_with_numpy(data):
    from tests.einsum_strategies import numpy_exprs
    from synth.einsum import format
    expr = data.draw(numpy_exprs())
    arrays = [rng.normal(size=shape) for shape in _draw_shapes(data, expr, largest=3)]
    try:
        expected = np.einsum(format(expr), *arrays)
    except ValueError:
        return  # NumPy rejects it too (output without '...' while '...' stands for axes)
    bound = normalize(expr, *(a.shape for a in arrays))
    from synth.einsum import evaluate
    np.testing.assert_allclose(evaluate(bound, arrays), expected, rtol=1e-9, atol=1e-12)


def _outcome(bind):
    try:
        return bind()
    except Exception as error:     # the outcome is the error's type and message
        return type(error), str(error)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_plain_numpy_fast_path_builds_the_general_bound_and_errors(data):
    from tests.einsum_strategies import numpy_exprs
    from synth.einsum.shapes import _general, _plain_numpy
    expr = data.draw(numpy_exprs())
    shapes = _draw_shapes(data, expr, largest=4)
    consistent = data.draw(st.booleans())
    if not consistent:      # one dim changed, or one operand's rank changed, or one operand fewer
        how = data.draw(st.sampled_from(["dim", "rank", "arity"]))
        k = data.draw(st.integers(0, len(shapes) - 1))
        if how == "dim" and shapes[k]:
            j = data.draw(st.integers(0, len(shapes[k]) - 1))
            shapes[k] = shapes[k][:j] + (shapes[k][j] + data.draw(st.integers(1, 3)),) + shapes[k][j + 1:]
        elif how == "rank":
            shapes[k] = shapes[k] + (2,)
        else:
            del shapes[k]
    fast = _plain_numpy(expr, tuple(shapes))
    general = _outcome(lambda: _general(expr, tuple(shapes), {}))
    if consistent and not any(Ellipsis_() in p for p in expr.inputs):
        assert fast is not None and fast == general   # taken, and the same Bound
    elif fast is not None:
        assert fast == general
    assert _outcome(lambda: normalize(expr, *shapes)) == general


def test_fast_path_leaves_unusual_cases_to_the_general_path():
    from synth.einsum.shapes import _plain_numpy
    assert _plain_numpy(parse("ij,jk->ik"), ((2, 3), (4, 5))) is None
    assert _plain_numpy(parse("...i->i"), ((2, 3),)) is None
    assert _plain_numpy(parse("i j -> j i"), ((2, 3),)) is None       # named style
    b = normalize(parse("ij,jk->ik"), (2, 3), (3, 4), i=2)              # keyword sizes: general path
    assert b == normalize(parse("ij,jk->ik"), (2, 3), (3, 4))
    with pytest.raises(ShapeError, match="axis j: operand 0 has 3, operand 1 has 4"):
        normalize(parse("ij,jk->ik"), (2, 3), (4, 5))
