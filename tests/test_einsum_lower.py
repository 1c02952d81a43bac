"""Lowering to jax.lax, compile and hlo: results equal NumPy's reference on every kind of expression."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.einsum import compile, einsum, hlo, normalize, parse, plan
from synth.einsum.chain import example_shapes
from synth.einsum.lower import lower
from synth.errors import ShapeError, SynthError

rng = np.random.default_rng(0)


def _ints(shape, dtype=np.float32):
    """Small integers: float32 sums and products of them are exact, so results compare tightly."""
    return rng.integers(-3, 4, size=shape).astype(dtype)


CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),                        # implicit output
    ("ij->ji", [(3, 4)]),
    ("ii->i", [(4, 4)]),                                # diagonal
    ("ii", [(4, 4)]),                                   # trace
    ("iii->i", [(3, 3, 3)]),
    ("iij,jk->ik", [(3, 3, 4), (4, 2)]),                # diagonal then contraction
    ("ijj,kjj->ik", [(2, 3, 3), (4, 3, 3)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),                    # Hadamard
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("i,j->ij", [(3,), (4,)]),                          # outer product
    ("i,j,k->ijk", [(2,), (3,), (4,)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    (",ij->ij", [(), (2, 3)]),                          # scalar operand
    ("i,i->", [(5,), (5,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,bjk->kbi", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),         # broadcast ellipsis
    ("i...->...", [(3, 2, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ab,bc,cd,de,ef->af", [(2, 3), (3, 4), (4, 2), (2, 5), (5, 3)]),
    ("ijk,jkl,lm->im", [(2, 3, 4), (3, 4, 5), (5, 2)]),
    ("ij,ij,ij->", [(2, 3)] * 3),
    ("b h i d, b h j d -> b h i j", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("rearrange(b (h w) c -> b c h w, h=2)", [(4, 6, 5)]),
    ("rearrange(b h w c -> b (c h w))", [(2, 3, 4, 5)]),
    ("rearrange(b ... -> b (...))", [(2, 3, 4)]),
    ("rearrange((b1 b2) h w c -> (b1 h) (b2 w) c, b1=2)", [(4, 2, 3, 1)]),
    ("rearrange(b c 1 -> b c)", [(2, 3, 1)]),
    ("rearrange(x () 1 -> 1 x ())", [(3, 1, 1)]),
    ("reduce(b c h w -> b c, sum)", [(2, 3, 4, 5)]),
    ("reduce(b c h w -> b c, mean)", [(2, 3, 4, 5)]),
    ("reduce(b c h w -> c b, max)", [(2, 3, 4, 5)]),
    ("reduce(b c h w -> b, min)", [(2, 3, 4, 5)]),
    ("reduce(b c -> b, prod)", [(2, 3)]),
    ("reduce(b (h h2) (w w2) c -> b h w c, mean, h2=2, w2=2)", [(2, 4, 6, 3)]),
    ("reduce(b c h w -> b () () c, max)", [(2, 3, 4, 5)]),
    ("reduce(... -> , sum)", [(2, 3)]),
    ("repeat(h w -> h w c, c=3)", [(2, 5)]),
    ("repeat(h w -> (h h2) (w w2), h2=2, w2=3)", [(2, 5)]),
    ("repeat(h w -> c h w, c=2)", [(2, 5)]),
    ("einsum(b (h w), w d -> b h d, h=2)", [(3, 8), (4, 5)]),
]


@pytest.mark.parametrize("text, shapes", CASES)
def test_compiled_matches_numpy(text, shapes):
    arrays = [_ints(s) for s in shapes]
    got = compile(text, *shapes)(*arrays)
    expected = einsum(text, *arrays)
    assert got.shape == expected.shape
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("path", [[(0, 1), (0, 1)], [(1, 2), (0, 1)], [(0, 2), (0, 1)], [(0, 1, 2)]])
def test_every_path_gives_the_same_result(path):
    shapes = [(2, 3, 3), (3, 4), (4, 2)]
    arrays = [_ints(s) for s in shapes]
    bound = normalize(parse("ijj,jk,ki->k"), *shapes)
    np.testing.assert_array_equal(jax.jit(lower(bound, path))(*arrays), einsum("ijj,jk,ki->k", *arrays))


def test_a_path_that_leaves_operands_is_rejected():
    bound = normalize(parse("ij,jk,kl->il"), (2, 3), (3, 4), (4, 5))
    with pytest.raises(ValueError, match="leaves 2 operands"):
        lower(bound, [(0, 1)])(*[np.ones(op.shape) for op in bound.operands])


@pytest.mark.parametrize("dtype", [np.int32, np.float16, jnp.bfloat16, np.complex64])
def test_dtypes_are_kept(dtype):
    x, y = _ints((3, 4)).astype(dtype), _ints((4, 2)).astype(dtype)
    got = compile("ij,jk->ik", (3, 4), (4, 2))(x, y)
    assert got.dtype == dtype
    np.testing.assert_array_equal(np.asarray(got).astype(np.complex128),
                                  einsum("ij,jk->ik", x.astype(np.complex128), y.astype(np.complex128)))


def test_mixed_and_boolean_dtypes_follow_numpy():
    x, y = np.array([[1, 2], [3, 4]], np.int32), np.array([[0.5, 1.0], [2.0, 0.0]], np.float32)
    got = compile("ij,jk->ik", (2, 2), (2, 2))(x, y)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, [[4.5, 1.0], [9.5, 3.0]])
    a = np.array([[True, False], [False, False]])
    b = np.array([[False, True], [True, False]])
    np.testing.assert_array_equal(compile("ij,jk->ik", (2, 2), (2, 2))(a, b), np.einsum("ij,jk->ik", a, b))
    np.testing.assert_array_equal(compile("ij->i", (2, 2))(b), [True, True])
    np.testing.assert_array_equal(compile("reduce(i j -> i, sum)", (2, 2))(b), [1, 1])
    assert compile("reduce(i j -> i, mean)", (2, 2))(np.array([[1, 2], [3, 5]])).tolist() == [1.5, 4.0]


def test_wrong_operands_at_call_time_are_shape_errors():
    f = compile("ij,jk->ik", (2, 3), (3, 4))
    with pytest.raises(ShapeError, match=r"operand 1 has shape \(4, 3\); expected \(3, 4\), as compiled"):
        f(np.ones((2, 3)), np.ones((4, 3)))
    with pytest.raises(ShapeError, match="takes 2 operands; found 1"):
        f(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="operand 0 is a list; expected an array"):
        f([[1, 2, 3], [4, 5, 6]], np.ones((3, 4)))


def test_bad_expressions_are_synth_errors():
    with pytest.raises(SynthError, match="axis j: operand 0 has 3, operand 1 has 4"):
        compile("ij,jk->ik", (2, 3), (4, 4))


def test_lowering_is_pure_lax():
    """Only array primitives: no host callbacks, so it runs unchanged on any backend."""
    allowed = {"reshape", "convert_element_type", "transpose", "slice", "dot_general", "reduce_sum",
               "reduce_max", "reduce_min", "reduce_prod", "reduce_or", "broadcast_in_dim", "div"}
    for text, shapes in CASES:
        bound = normalize(parse(text), *shapes)
        jaxpr = jax.make_jaxpr(lower(bound))(*[np.ones(s, np.float32) for s in shapes])
        assert {e.primitive.name for e in jaxpr.jaxpr.eqns} <= allowed, text


def test_hlo_is_xla_text_of_the_planned_contraction():
    text = hlo("ij,jk->ik", (8, 16), (16, 32))
    assert text.startswith("HloModule jit_einsum")
    assert "f32[8,16]" in text and "f32[16,32]" in text and " dot(" in text
    assert "bf16[8,16]" in hlo("ij,jk->ik", jax.ShapeDtypeStruct((8, 16), jnp.bfloat16), (16, 32))
    diagonal = hlo("ii->i", (5, 5))
    assert "slice={[0:25:6]}" in diagonal and " dot(" not in diagonal


def _numpy_shapes(draw, expr):
    size = {c: draw(st.integers(1, 3)) for c in "abcdeXY"}
    extra = draw(st.lists(st.integers(1, 3), max_size=2))
    shapes = []
    for pattern in expr.inputs:
        shape = []
        for t in pattern:
            if hasattr(t, "name"):
                shape.append(size[t.name])
            else:   # an ellipsis: a suffix of the shared dims, some broadcast as 1
                dims = extra[len(extra) - draw(st.integers(0, len(extra))):]
                shape.extend(d if draw(st.booleans()) else 1 for d in dims)
        shapes.append(tuple(shape))
    return shapes


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_expressions_match_numpy(data):
    from tests.einsum_strategies import named_exprs, numpy_exprs
    expr = data.draw(st.one_of(numpy_exprs(), named_exprs()))
    try:
        if expr.style == "numpy":
            shapes = _numpy_shapes(data.draw, expr)
        else:
            shapes = example_shapes((expr,), data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=4)))
        bound = normalize(expr, *shapes)
    except SynthError:
        return                  # shapes that do not fit (e.g. a group with two unknown axes)
    arrays = [_ints(s) for s in shapes]
    try:
        expected = einsum(expr, *arrays)
    except ValueError:
        return                  # NumPy rejects it ('...' of size one dropped from the output)
    got = compile(expr, *shapes)(*arrays)
    assert got.shape == expected.shape and bound.output_shape == expected.shape
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("text, shapes", [
    ("abc,ia,jb,kc->ijk", [(2, 2, 2), (3, 2), (4, 2), (5, 2)]),                 # Tucker
    ("bie,ehd,bje,ehd->bhij", [(2, 3, 4), (4, 5, 6), (2, 7, 4), (4, 5, 6)]),   # attention with projections
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
])
def test_operand_order_leaves_no_transpose(text, shapes):
    """Each dot_general's operands are ordered so that its output is already in output order."""
    bound = normalize(parse(text), *shapes)
    jaxpr = jax.make_jaxpr(lower(bound, plan(bound).path))(*[np.ones(s, np.float32) for s in shapes])
    assert [e.primitive.name for e in jaxpr.jaxpr.eqns].count("transpose") == 0


@pytest.mark.parametrize("text, shapes, path", [
    ("ab,b,a->", [(30, 40), (40,), (30,)], [(0, 1), (0, 1)]),     # the larger first in the path
    ("b,ab,a->", [(40,), (30, 40), (30,)], [(0, 1), (0, 1)]),     # the larger second
    ("abc,ab,c->", [(5, 6, 7), (5, 6), (7,)], [(1, 2), (0, 1)]),
])
def test_where_output_order_does_not_decide_the_larger_operand_is_the_rhs(text, shapes, path):
    """XLA:CPU lays a dot's rhs out as [contracted, free] faster than its lhs as [free,
    contracted] (2x on random n=16's largest operand; BENCHMARKS.md)."""
    bound = normalize(parse(text), *shapes)
    jaxpr = jax.make_jaxpr(lower(bound, path))(*[np.ones(s, np.float32) for s in shapes])
    dots = [e for e in jaxpr.jaxpr.eqns if e.primitive.name == "dot_general"]
    assert dots and all(d.invars[0].aval.size <= d.invars[1].aval.size for d in dots)
