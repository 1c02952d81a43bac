"""einops' anonymous axes (`b (h 2) -> b h`): parsed, bound, evaluated and compiled as einops
defines them, checked against einops itself; einops' refusals are ours too, with locations."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from synth.einsum import Anonymous, Axis, Expr, Group, check, compile, einsum, format, normalize, parse
from synth.einsum.chain import example_shapes
from synth.einsum.syntax import _named_pattern
from synth.errors import NameError_, ParseError, ShapeError, SynthError
from tests.einsum_strategies import named_exprs

b, h, w = Axis("b"), Axis("h"), Axis("w")
rng = np.random.default_rng(0)


def _ints(shape):
    return rng.integers(-5, 6, size=shape).astype(np.float64)


def test_a_number_is_an_anonymous_axis_and_one_a_unit():
    expr = parse("reduce(b (h 2) 3 1 -> b h, max)")
    assert expr.inputs == ((b, Group((h, Anonymous(2))), Anonymous(3), parse("a 1 -> a").inputs[0][1]),)
    assert format(expr) == "reduce(b (h 2) 3 1 -> b h, max)"
    assert parse("b (h 2) -> b h") == Expr(((b, Group((h, Anonymous(2)))),), (b, h))     # a named einsum
    assert parse("repeat(h w -> (h 2) w 10)").output == (Group((h, Anonymous(2))), w, Anonymous(10))
    assert parse("b 01 -> b") == parse("b 1 -> b")         # einops reads a number's value


@settings(max_examples=200, deadline=None)
@given(named_exprs())
def test_round_trip_with_anonymous_axes(expr):
    # named_exprs puts anonymous axes where einops allows them (reduce's and einsum's inputs,
    # repeat's output).
    assert parse(format(expr)) == expr


def test_anonymous_sizes_are_at_least_two_in_the_ast():
    with pytest.raises(ValueError):
        Anonymous(1)
    with pytest.raises(ValueError):
        Anonymous(0)


@pytest.mark.parametrize("text, error, message", [
    ("rearrange((h 2) w -> h w 2)", ParseError,
     "<string>:1:11: anonymous axis 2 in rearrange (it is an axis of its own, which the other side cannot name)"),
    ("rearrange(h w -> h w 2)", ParseError, "<string>:1:22: anonymous axis 2 in rearrange"),
    ("repeat(h 2 -> h)", ParseError, "<string>:1:10: anonymous axis 2 in repeat's input"),
    ("reduce(b (h 2) -> b h 2, sum)", NameError_, "<string>:1:23: anonymous axis 2 in the output is in no input"),
    ("b (h 2) -> b (h 2)", NameError_, "<string>:1:14: anonymous axis 2 in the output is in no input"),
    ("2h -> h", ParseError, "<string>:1:1: an axis name starts with a letter or '_'; found '2h'"),
    ("(h 0) -> h", ParseError, "<string>:1:4: an anonymous axis has a positive size; found 0"),
])
def test_refusals_say_where_and_what(text, error, message):
    with pytest.raises(error) as caught:
        parse(text)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("text, shape, message", [
    ("reduce(b 6 -> b, mean)", (4, 5), "operand 0: anonymous axis 6 has size 5; found shape (4, 5)"),
    ("reduce(b (h 4) -> b h, sum)", (4, 6), "axis h: group (h 4) of operand 0 has size 6, not divisible by 4"),
    ("reduce(b (2 3) -> b, sum)", (4, 7), "group (2 3) of operand 0 has size 7, but its axes multiply to 6"),
])
def test_shape_errors_name_the_anonymous_axis_as_written(text, shape, message):
    with pytest.raises(ShapeError) as caught:
        normalize(parse(text), shape)
    assert str(caught.value) == message


def test_each_anonymous_axis_is_its_own_index():
    bound = normalize(parse("reduce((h 2) (w 2) -> h w, max)"), (6, 8))
    assert bound.operands[0].flat_shape == (3, 2, 4, 2)
    assert bound.output == ("h", "w") and bound.output_shape == (3, 4)
    assert len(set(bound.operands[0].indices)) == 4          # the two 2s are two axes


@pytest.fixture
def einops():
    return pytest.importorskip("einops")      # a bench extra: only these tests need it

AGAINST_EINOPS = [
    ("reduce", "b (h 2) -> b h", "max", (4, 6), {}),
    ("reduce", "b (h 2) -> b h", "mean", (4, 6), {}),
    ("reduce", "b (h 2) -> b h", "prod", (4, 6), {}),
    ("reduce", "(h 2) (w 2) c -> h w c", "max", (6, 8, 3), {}),       # 2x2 max pooling
    ("reduce", "(h 2) (w 3) -> w h", "min", (4, 9), {}),
    ("reduce", "b 3 -> b", "sum", (4, 3), {}),
    ("reduce", "b (2 h 3) -> h b", "sum", (2, 30), {}),
    ("reduce", "... (h 2) -> ... h", "mean", (2, 3, 8), {}),
    ("reduce", "b (h w 2) -> b w", "max", (3, 24), {"h": 3}),
    ("repeat", "h w -> (h 2) w", None, (3, 4), {}),
    ("repeat", "h w -> h w 3", None, (3, 4), {}),
    ("repeat", "h w -> 2 h (w 3) c", None, (3, 4), {"c": 2}),
    ("repeat", "h -> (2 h 3)", None, (4,), {}),
]


@pytest.mark.parametrize("operation, pattern, reduction, shape, sizes", AGAINST_EINOPS)
def test_reference_and_compiled_equal_einops(einops, operation, pattern, reduction, shape, sizes):
    x = _ints(shape)
    options = ([reduction] if reduction else []) + [f"{k}={v}" for k, v in sizes.items()]
    expr = parse(f"{operation}({', '.join([pattern] + options)})")
    if operation == "reduce":
        expected = einops.reduce(x, pattern, reduction, **sizes)
    else:
        expected = einops.repeat(x, pattern, **sizes)
    got = einsum(expr, x)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    compiled = np.asarray(compile(expr, shape)(x.astype(np.float32)))
    np.testing.assert_allclose(compiled, expected, rtol=1e-6)


def test_a_named_einsum_sums_its_anonymous_axes_as_reduce_sum_does(einops):
    x = _ints((4, 6))
    np.testing.assert_array_equal(einsum(parse("b (h 2) -> b h"), x), einops.reduce(x, "b (h 2) -> b h", "sum"))
    proof = check("b (h 2) -> b h", "reduce(b (h 2) -> b h, sum)", [(4, 6)])
    assert type(proof).__name__ == "Proved" and proof.method == "canonical form"


def test_einops_refuses_what_we_refuse(einops):
    x = _ints((4, 6))
    for pattern in ("(h 2) w -> h w 2", "b (h 2) -> b h"):
        with pytest.raises(einops.EinopsError):
            einops.rearrange(x, pattern)
        with pytest.raises(ParseError):
            parse(f"rearrange({pattern})")
    with pytest.raises(einops.EinopsError):
        einops.reduce(x, "b (h 2) -> b h 2", "sum")
    with pytest.raises(einops.EinopsError):
        einops.repeat(x, "b 6 -> b")


@st.composite
def _reduce_or_repeat(draw):
    """A reduce or repeat with anonymous axes, and shapes that fit it."""
    expr = draw(named_exprs().filter(lambda e: e.kind in ("reduce", "repeat")))
    try:
        return expr, example_shapes((expr,), draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    except SynthError:          # a group with two axes of unknown size: no shapes to choose
        assume(False)


@settings(max_examples=80, deadline=None)
@given(_reduce_or_repeat())
def test_random_reduce_and_repeat_equal_einops(case):
    einops = pytest.importorskip("einops")
    expr, [shape] = case
    x = _ints(shape)
    pattern = f"{_named_pattern(expr.inputs[0])} -> {_named_pattern(expr.output)}"
    sizes = dict(expr.sizes)
    if expr.kind == "reduce":
        expected = einops.reduce(x, pattern, expr.reduction, **sizes)
    else:
        expected = einops.repeat(x, pattern, **sizes)
    got = einsum(expr, x)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_cli_checks_and_refuses_anonymous_axes(capsys):
    from synth.cli import main
    assert main(["einsum", "check", "reduce((h 2) w -> h w, max)", "reduce((h 2) w -> w h, max) | w h -> h w",
                 "--shapes", "4x3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["detail"] == (
        "proved by canonical form: both are out[a b] = max_{c}(x0[a c b]); sizes a=2 b=3 c=2; "
        "output shape (2, 3) (at shapes 4x3)")
    assert main(["einsum", "check", "reduce((h 2) w -> h w, max)", "reduce((h 2) w -> h w, max) | w h -> h w",
                 "--shapes", "4x3", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["evidence"], out["expected"], out["got"]) == ("Counterexample", [[7, 3, 0], [6, 3, 8]],
                                                              [[7, 6], [3, 3], [0, 8]])
    assert main(["einsum", "plan", "rearrange(b (h 2) -> b h)", "--shapes", "4x6"]) == 2
    assert capsys.readouterr().err == ("synth: error: <string>:1:13: anonymous axis 2 in rearrange (it is an axis "
                                       "of its own, which the other side cannot name); expected a named axis with "
                                       "its size by keyword (h=2); only reduce drops anonymous axes, only repeat "
                                       "creates them\n")
