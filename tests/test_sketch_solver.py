"""prove and cegis: the solver queries every DSL shares."""
import z3

from synth.sketch.solver import Filled, Verdict, cegis, prove


def test_prove_a_bitvector_identity():
    x = z3.BitVec("x", 64)
    assert prove([(x << 1) == x + x]).status == "proved"


def test_refuted_claim_comes_with_a_model_that_breaks_it():
    x = z3.BitVec("x", 64)
    verdict = prove([x + 1 > x])          # false at the signed maximum
    assert verdict.status == "refuted"
    assert verdict.model.eval(x).as_long() == 2**63 - 1


def test_cegis_finds_the_constant_of_a_shift_as_multiplication():
    x, hole = z3.BitVec("x", 64), z3.BitVec("hole", 64)
    filled = cegis([x * hole == x << 3], holes=[hole], inputs=[x])
    assert isinstance(filled, Filled)
    assert filled.values["hole"].as_long() == 8


def test_cegis_says_refuted_when_no_hole_value_works():
    x, hole = z3.BitVec("x", 8), z3.BitVec("hole", 8)
    answer = cegis([x + hole == x * 2], holes=[hole], inputs=[x])
    assert isinstance(answer, Verdict) and answer.status == "refuted"
