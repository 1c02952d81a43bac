"""Equivalence of einsum programs: proved (normal form or sympy), counterexamples, unknown; the CLI verb."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.cli import main
from synth.einsum import Axis, Ellipsis_, Expr, normalize, parse
from synth.einsum.chain import as_chain, bind, example_shapes, parse_chain, run
from synth.einsum.check import check
from synth.einsum.network import NoForm, normal_form
from synth.errors import ArityError, NameError_, ParseError, ShapeError
from synth.sketch.answers import Counterexample, Proved, Unknown
from tests.einsum_strategies import numpy_exprs


def _form(text, shapes, generic=False):
    return str(normal_form(bind(as_chain(text), shapes), generic=generic))


# --- chains ---------------------------------------------------------------------------------

def test_a_chain_feeds_each_result_to_the_next_step_as_its_first_operand():
    chain = parse_chain("ij->ji | ij,jk->ik")
    assert chain == (parse("ij->ji"), parse("ij,jk->ik"))
    x, y = np.arange(6.0).reshape(3, 2), np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(run(bind(chain, [(3, 2), (3, 4)]), [x, y]), x.T @ y)


def test_chain_errors_point_into_the_whole_text():
    with pytest.raises(ParseError, match=r"^<A>:1:17: unexpected character; found '>'"):
        parse_chain("ij->ji | ij,jk->>ik", file="<A>")
    with pytest.raises(NameError_, match=r"^<A>:2:16: output axis q is in no input"):
        parse_chain("ij->ji\n | i j, j k -> i q", file="<A>")
    with pytest.raises(ParseError, match=r"^<A>:1:9: an empty step"):
        parse_chain("ij->ji |", file="<A>")
    with pytest.raises(ShapeError, match=r"^step 2 \(ij,jk->ik\): axis j: operand 0 has 2, operand 1 has 4$"):
        bind(parse_chain("ij->ji | ij,jk->ik"), [(2, 3), (4, 5)])
    with pytest.raises(ArityError, match="takes 2 inputs; found 1 shapes"):
        bind(parse_chain("ij->ji | ij,jk->ik"), [(2, 3)])


def test_example_shapes_follow_the_chain():
    assert example_shapes(parse_chain("ij->ji | ij,jk->ik"), (2, 3, 4, 5)) == [(2, 3), (2, 4)]
    assert example_shapes(parse_chain("rearrange(b (h w) -> b h w, h=2) | b h w, w c -> b h c"),
                          (2, 3, 4, 5)) == [(2, 6), (3, 4)]


# --- normal forms ---------------------------------------------------------------------------

def test_normal_forms_compose_chains_and_resolve_reshapes():
    assert _form("ij,jk->ik", [(2, 3), (3, 4)]) == \
        "out[a b] = sum_{c} x0[a c] x1[c b]; sizes a=2 b=4 c=3; output shape (2, 4)"
    assert _form("ij->ji | ji,jk->ik", [(2, 3), (3, 4)]) == _form("ij,jk->ik", [(2, 3), (3, 4)])
    assert _form("rearrange(b (h w) -> b h w, h=2) | rearrange(b h w -> b (h w))", [(3, 6)]) == \
        "out[a] = x0[a]; sizes a=18; output shape (3, 6)"
    assert _form("repeat(i -> i c, c=3) | reduce(i c -> i, mean)", [(4,)]) == \
        "out[a] = x0[a]; sizes a=4; output shape (4,)"
    assert _form("i,j->ij | ii->i", [(3,), (3,)]) == "out[a] = x0[a] x1[a]; sizes a=3; output shape (3,)"
    assert _form("reduce(a b c -> a b, max) | reduce(a b -> a, max)", [(2, 3, 4)]) == \
        "out[a] = max_{b}(x0[a b]); sizes a=2 b=12; output shape (2,)"
    assert _form("reduce(a b c -> a b, max) | reduce(a b -> a, min)", [(2, 3, 4)]) == \
        "out[a] = min_{b}(max_{c}(x0[a b c])); sizes a=2 b=3 c=4; output shape (2,)"
    assert _form("reduce(a b -> a, mean)", [(5, 2)], generic=True) == \
        "out[a] = 1/|b| * sum_{b} x0[a b]; a b as the inputs' axes"


def test_reshapes_that_mix_axes_have_no_normal_form():
    with pytest.raises(NoForm, match="a reshape cuts an axis of size 6 into pieces of 4"):
        normal_form(bind(as_chain("rearrange(a b -> (a b)) | rearrange((c d) -> c d, c=4)"), [(6, 4)]))


# --- check: proved ----------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, shapes, form", [
    ("ij,jk->ik", "ab,bc->ac", None, "out[a b] = sum_{c} x0[a c] x1[c b]; a b c as the inputs' axes"),
    ("ij,jk->ik", "ij->ji | ji,jk->ik", None, "out[a b] = sum_{c} x0[a c] x1[c b]; a b c as the inputs' axes"),
    ("ij,jk,kl->il", "ij,jk->ik | ik,kl->il", None,
     "out[a b] = sum_{c d} x0[a c] x1[c d] x2[d b]; a b c d as the inputs' axes"),
    ("ii->", "ij->ij | ii", None, "out[] = sum_{a} x0[a a]; a as the inputs' axes"),
    ("reduce(a b c -> a, mean)", "reduce(a b c -> a b, mean) | reduce(a b -> a, mean)", None,
     "out[a] = 1/|b| * 1/|c| * sum_{b c} x0[a b c]; a b c as the inputs' axes"),
    ("reduce(a b -> a, max) | reduce(a -> , max)", "reduce(a b -> b, max) | reduce(b -> , max)", None,
     "out[] = max_{a b}(x0[a b]); a b as the inputs' axes"),
    ("rearrange(b (h w) -> b h w, h=2) | rearrange(b h w -> b (h w))", "b x -> b x", [(3, 6)],
     "out[a] = x0[a]; sizes a=18; output shape (3, 6)"),
    ("...ij,...jk->...ik", "...ij,...jk", [(2, 3, 4), (2, 4, 5)],
     "out[a b c] = sum_{d} x0[a b d] x1[a d c]; sizes a=2 b=3 c=5 d=4; output shape (2, 3, 5)"),
])
def test_proved_by_canonical_form(a, b, shapes, form):
    where = "at every shape" if shapes is None else "at shapes " + ",".join("x".join(map(str, s)) for s in shapes)
    assert check(a, b, shapes) == Proved("canonical form", f"both are {form} ({where})")


def test_proved_by_sympy_where_reshapes_mix_axes():
    a = "rearrange(a b -> (a b)) | rearrange((c d) -> c d, c=4)"
    b = "rearrange(a b -> (a b)) | rearrange((c d) -> c d, d=6)"
    assert check(a, b, [(6, 4)]) == Proved(
        "sympy", "every output entry is the same expression of the input entries, expanded (at shapes 6x4)")


# --- check: counterexamples -------------------------------------------------------------------

@pytest.mark.parametrize("a, b, shapes", [
    ("ij,jk->ik", "ij,kj->ik", [(3, 3), (3, 3)]),
    ("ij,jk->ik", "ij,kj->ik", None),              # no shapes: square ones are tried
    ("ij->ji", "ij->ij", [(3, 3)]),
    ("reduce(a b -> a, max)", "reduce(x y -> x, min)", [(2, 3)]),
    ("reduce(a b -> a, sum)", "reduce(a b -> a, mean)", None),
    ("ij,jk->ik", "ij,jk->ki", None),              # different output shapes
    ("ii->i", "ij->i", None),
])
def test_counterexamples_are_real(a, b, shapes):
    answer = check(a, b, shapes)
    assert isinstance(answer, Counterexample)
    inputs = [answer.inputs[f"x{k}"] for k in range(len(answer.inputs))]
    expected, got = (_evaluate(text, inputs) for text in (a, b))
    np.testing.assert_allclose(answer.expected, expected)
    np.testing.assert_allclose(answer.got, got)
    assert expected.shape != got.shape or not np.allclose(expected, got)


def _evaluate(text, inputs):
    chain = as_chain(text)
    return run(bind(chain, [x.shape for x in inputs]), [x.astype(np.float64) for x in inputs])


def test_a_transposed_matmul_counterexample_exactly():
    answer = check("ij->ji", "ij->ij", [(2, 2)])
    x = answer.inputs["x0"]
    assert x.tolist() == [[7, 3], [0, -4]]        # seed 0's first draw, integers in [-9, 9]
    assert answer.expected.tolist() == [[7, 0], [3, -4]] and answer.got.tolist() == [[7, 3], [0, -4]]


# --- check: unknown ---------------------------------------------------------------------------

def test_unknown_without_shapes_when_only_concrete_shapes_prove_it():
    answer = check("rearrange(b (h w) -> b h w, h=2) | rearrange(b h w -> b (h w))", "b x -> b x")
    assert answer == Unknown("equal on 16 random integer inputs at shapes 2x6, and sympy proves them equal at "
                             "those shapes only; give shapes to check at yours")


def test_unknown_when_max_programs_differ_in_form():
    a = "rearrange(a b -> (a b)) | rearrange((c d) -> c d, c=4) | reduce(c d -> , max)"
    assert check(a, "reduce(a b -> , max)", [(6, 4)]) == Unknown(
        "equal on 16 random integer inputs at shapes 6x4; A has no normal form (a reshape cuts an axis of size 6 "
        "into pieces of 4); sympy does not decide max and min")


def test_unknown_when_too_large_for_sympy():
    a = "rearrange(a b -> (a b)) | rearrange((c d) -> c d, c=4)"
    b = "rearrange(a b -> (a b)) | rearrange((c d) -> c d, d=6)"
    assert check(a, b, [(6, 4)], symbolic_limit=10) == Unknown(
        "equal on 16 random integer inputs at shapes 6x4; A has no normal form (a reshape cuts an axis of size 6 "
        "into pieces of 4); too large for a sympy proof (about 24 terms, limit 10)")


def test_programs_of_different_arity_or_no_common_shapes_are_errors():
    with pytest.raises(ArityError, match="different numbers of inputs: 1 and 2"):
        check("ij", "ij,jk")
    with pytest.raises(ShapeError, match="found no input shapes that both programs accept"):
        check("i,i->", "ij->j | j,j->")


# --- CLI ---------------------------------------------------------------------------------------

def test_cli_check_exit_codes_and_output(capsys):
    assert main(["einsum", "check", "ij,jk->ik", "ij->ji | ji,jk->ik"]) == 0
    assert capsys.readouterr().out == ("proved by canonical form: both are out[a b] = sum_{c} x0[a c] x1[c b]; "
                                       "a b c as the inputs' axes (at every shape)\n")
    assert main(["einsum", "check", "ij->ji", "ij->ij", "--shapes", "2x2"]) == 1
    assert capsys.readouterr().out == ("counterexample:\n  x0 = [[ 7,  3],\n        [ 0, -4]]\n"
                                       "  A gives [[ 7,  0],\n           [ 3, -4]]\n"
                                       "  B gives [[ 7,  3],\n           [ 0, -4]]\n")
    assert main(["einsum", "check", "rearrange(b (h w) -> b h w, h=2) | rearrange(b h w -> b (h w))",
                 "b x -> b x"]) == 3
    assert capsys.readouterr().out.startswith("unknown: equal on 16 random integer inputs at shapes 2x6")


def test_cli_check_json(capsys):
    assert main(["einsum", "check", "ij->j", "ij->i", "--shapes", "2x2", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["proved"], out["evidence"], out["inputs"], out["expected"], out["got"]) == \
        (False, "Counterexample", {"x0": [[7, 3], [0, -4]]}, [7, -1], [10, -4])
    assert main(["einsum", "check", "ij->ij", "ab->ab", "--shapes", "2x3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"proved": True, "evidence": "Proved", "detail": "proved by canonical form: both are "
                   "out[a] = x0[a]; sizes a=6; output shape (2, 3) (at shapes 2x3)"}


@pytest.mark.parametrize("argv, message", [
    (["ij", "ij,jk"], "synth: error: the programs take different numbers of inputs: 1 and 2\n"),
    (["ij->j", "ij->>i"], ("synth: error: <B>:1:5: unexpected character; found '>'; "
                          "expected one of ',', a number, '(', a name, ')'\n")),
    (["ij->j", "ij->i", "--shapes", "2y3"], ("synth: error: bad shape '2y3' in --shapes; found '2y3'; "
                                            "expected sizes joined by x, shapes by commas, e.g. 8x16,16x32\n")),
    (["ij->j", "ij->i", "--shapes", "2x3,4"], "synth: error: 'ij->j' takes 1 inputs; found 2 shapes\n"),
])
def test_cli_check_bad_input_is_one_line(capsys, argv, message):
    assert main(["einsum", "check", *argv]) == 2
    assert capsys.readouterr().err == message


def test_scalar_shapes_on_the_command_line(capsys):
    assert main(["einsum", "check", ",i->i", ",i->", "--shapes", ",3"]) == 1
    assert main(["einsum", "check", ",i->i", ",j->j | j->j", "--shapes", "(),3"]) == 0
    assert capsys.readouterr().out.endswith("(at shapes ,3)\n")


# --- properties ---------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.data())
def test_renamed_axes_are_proved_and_swapped_output_axes_refuted(data):
    """Every NumPy expression (no '...'), with all axes of size 3 so that any two can swap."""
    expr = data.draw(numpy_exprs().filter(lambda e: not any(isinstance(t, Ellipsis_) for p in e.inputs for t in p)))
    shapes = [(3,) * len(p) for p in expr.inputs]
    output = tuple(Axis(n) for n in normalize(expr, *shapes).output)      # implicit made explicit
    letters = sorted({t.name for p in expr.inputs for t in p})
    new = dict(zip(letters, data.draw(st.permutations("fghijklmn"))))
    rename = lambda pattern: tuple(Axis(new[t.name]) for t in pattern)
    a = Expr(expr.inputs, output, style="numpy")
    b = Expr(tuple(rename(p) for p in expr.inputs), rename(output), style="numpy")
    answer = check(a, b, shapes)
    assert isinstance(answer, Proved) and answer.method == "canonical form"
    if len(output) >= 2:
        swapped = Expr(expr.inputs, (output[1], output[0]) + output[2:], style="numpy")
        assert isinstance(check(a, swapped, shapes), Counterexample)
