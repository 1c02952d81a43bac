"""Dead code, fingerprints, simplification and equivalence of optimizer programs."""
from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synth.dsl.optim import library, parse, run, symbolic
from synth.dsl.optim.analysis import (SIZES, Simplified, equivalent, evaluate, finite_update,
                                      fingerprint, random_batch, redundancy, remove_dead, simplify)
from synth.dsl.optim.ast import Const, Program
from synth.dsl.optim.functions import FUNCTIONS
from synth.dsl.optim.semantics import run_flat, segments_of
from synth.sketch import answers
from synth.sketch.answers import Counterexample, Proved, Unknown
from tests.strategies import programs as shared_programs


def P(body: str) -> Program:
    """A program from its statements, separated by ';'."""
    lines = "".join(f"    {line.strip()}\n" for line in body.split(";") if line.strip())
    return parse(f"def train(w, g, m, v, lr):\n{lines}    return update, m, v\n")


def close(x, y, rtol, atol):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    with np.errstate(invalid="ignore"):
        near = np.abs(x - y) <= atol + rtol * np.maximum(np.abs(x), np.abs(y))
    return bool(np.all(near | (x == y) | (np.isnan(x) & np.isnan(y))))


SGD, MOMENTUM, ADAM = (library.load(n) for n in ("sgd", "momentum", "adam"))
ADAM_RENAMED = parse("""def train(w, g, m, v, lr):
    mm = interp(m, g, 0.1)
    sq = square(g)
    vv = interp(v, sq, 0.001)
    r = sqrt(vv)
    d = r + eps
    q = mm / d
    step = q * lr
    return step, mm, vv
""")


# ---------------------------------------------------------------- remove_dead, redundancy

def test_remove_dead_respects_reassignment():
    program = P("""a = g * 2.0; a = sign(g); b = exp(w); m = interp(m, a, 0.1);
                   c = m * lr; m = interp(m, g, 0.5); update = c + 0.0; b = a * lr""")
    assert remove_dead(program) == P("""a = sign(g); m = interp(m, a, 0.1); c = m * lr;
                                        m = interp(m, g, 0.5); update = c + 0.0""")
    assert redundancy(program) == 3 / 8


def test_remove_dead_keeps_reads_of_the_old_value():
    # v's first value is read by x before v is reassigned; the second x is dead.
    program = P("v = v * 0.5; x = v + g; v = square(g); update = x * lr; x = w * 2.0")
    assert remove_dead(program) == P("v = v * 0.5; x = v + g; v = square(g); update = x * lr")
    assert remove_dead(SGD) == SGD and redundancy(SGD) == 0.0
    assert redundancy(Program((), ("g", "m", "v"))) == 0.0


# ---------------------------------------------------------------- fingerprint

def test_fingerprint_ignores_dead_code_and_names():
    assert fingerprint(ADAM) == fingerprint(ADAM_RENAMED)
    assert fingerprint(SGD) == fingerprint(P("junk = exp(w); update = g * lr; junk = junk + m"))
    assert fingerprint(ADAM) == fingerprint(ADAM)
    assert fingerprint(P("u = g * 2.0; update = u * lr")) == fingerprint(
        P("u = g + g; update = lr * u"))


def test_fingerprint_ignores_memory_that_never_reaches_the_update():
    assert fingerprint(SGD) == fingerprint(P("m = m * 0.9; m = m + g; update = g * lr"))
    assert fingerprint(SGD) == fingerprint(P("v = max(v, m); update = g * lr; m = square(g)"))
    assert fingerprint(MOMENTUM) != fingerprint(SGD)


def test_fingerprint_sees_memory_that_reaches_the_update_two_steps_later():
    # g flows into m, m into v at the next step, v into the update at the one after.
    assert (fingerprint(P("update = v * lr; v = m * 2.0; m = g * 2.0"))
            != fingerprint(P("update = v * lr; v = m * 2.0")))


def test_fingerprint_separates_behaviours():
    prints = {fingerprint(p) for p in (SGD, MOMENTUM, ADAM, library.load("lion"),
                                       P("a = norm(g); update = a * lr"),
                                       P("a = global_norm(g); update = a * lr"),
                                       P("update = g * 1.001; update = update * lr"))}
    assert len(prints) == 7
    assert fingerprint(ADAM) == "6037f45e8945f8f9c4d71f34e2600199"   # the same in every process


def test_fingerprint_maps_nan_and_inf_to_fixed_tokens():
    nan1 = P("a = exp(1000.0); b = a - a; update = g * b")
    nan2 = P("a = exp(2000.0); b = a - a; update = b * w")
    assert fingerprint(nan1) == fingerprint(nan2) != fingerprint(SGD)
    inf = P("a = exp(1000.0); update = a + g")
    assert fingerprint(inf) == fingerprint(P("a = exp(900.0); update = a * 2.0"))
    assert fingerprint(inf) != fingerprint(P("a = exp(1000.0); update = negative(a)"))



# ---------------------------------------------------------------- NumPy mirror vs JAX

SEGMENTS = segments_of((jnp.zeros(SIZES[0]), jnp.zeros(SIZES[1])))
SPECIAL = np.array([0.0, -0.0, 1e-31, -1e-31, 1e-30, 1.0, -2.5, 0.3, 100.0, -1e20], np.float32)


def jax_outputs(program, batch):
    rows = [run_flat(program, SEGMENTS, *(jnp.asarray(getattr(batch, k)[r]) for k in "wgmv"),
                     batch.lr[r, 0]) for r in range(batch.w.shape[0])]
    return np.stack([np.stack([np.asarray(x) for x in row]) for row in rows], axis=1)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_numpy_backend_agrees_with_jax_per_function(name):
    special = np.resize(SPECIAL, (2, sum(SIZES)))   # zeros, both sides of TINY, overflow
    batch = replace(random_batch(2, seed=7), g=special, m=np.roll(special, 3, axis=1))
    arity = FUNCTIONS[name].arity
    program = P(f"update = {name}({', '.join(['g', 'm', 'lr'][:arity])}); "
                f"m = {name}({', '.join(['w', 'v', 'g'][:arity])})")
    assert close(evaluate(program, batch), jax_outputs(program, batch), rtol=1e-5, atol=1e-30)


CONSTANTS = (0.5, 2.0, 0.1, 0.9, 1.0, 3.0, -1.0, 1e-8)


def programs(max_statements: int = 5, ops=tuple(sorted(FUNCTIONS))):
    """Programs returning (update, m, v), with a few round constants so Z3 stays fast."""
    return shared_programs(max_statements, ops, consts=st.sampled_from(CONSTANTS).map(Const),
                           targets=("a", "b", "c", "m", "v", "update"), variable_weight=3,
                           returns_update=True)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(programs(max_statements=4))
def test_numpy_mirror_agrees_with_jax_on_programs(program):
    batch = random_batch(2, seed=3)
    assert close(evaluate(program, batch), jax_outputs(program, batch), rtol=1e-3, atol=1e-6)


# ---------------------------------------------------------------- simplify

def test_simplify_keeps_a_rewrite_z3_refutes_across_the_division_guard():
    # sympy cancels lr / lr, but for 0 < |lr| < TINY the guarded division differs: fall back.
    program = P("a = g * lr; b = a / lr; update = b * lr")
    assert simplify(program) == Simplified(program,
                                           Proved("dead-code removal", "0 of 3 statements removed"))


def test_simplify_proves_a_shorter_program():
    assert simplify(P("a = g + g; b = a - g; update = b * lr")) == Simplified(
        P("update = g * lr"), Proved("z3", "update, m and v equal over the reals"))
    # Division by a constant is exact (the guard never fires), reassignment and dead code go.
    program = P("d = exp(w); m = interp(m, g, 0.1); t = m * 2.0; u = t / 2.0; update = u * lr")
    assert simplify(program) == Simplified(P("m = interp(m, g, 0.1); update = lr * m"),
                                           Proved("z3", "update, m and v equal over the reals"))
    program = P("a = sign(g); b = a * 3.0; c = b - a; d = negative(c); update = d * lr")
    assert simplify(program) == Simplified(
        P("t1 = sign(g); t2 = lr * t1; update = t2 * -2.0"),
        Proved("z3", "update, m and v equal over the reals"))


def test_simplify_keeps_a_program_with_no_shorter_form():
    # 2 * g * lr takes two operations either way: no rewrite, the raw program is kept.
    program = P("x = g + g; update = x * lr")
    assert simplify(program) == Simplified(program,
                                           Proved("dead-code removal", "0 of 2 statements removed"))


@pytest.mark.parametrize("name", library.NAMES)
def test_library_programs_simplify_to_the_same_behaviour(name):
    program = library.load(name)
    result = simplify(program)
    assert isinstance(result.evidence, Proved)
    assert fingerprint(result.program) == fingerprint(program)
    assert len(result.program.statements) <= len(program.statements)


def z3_gives_up(a, b, timeout_ms):
    return symbolic.Z3Verdict("unknown", True, None, "z3: timeout")


def test_simplify_falls_back_to_random_testing_when_z3_gives_up(monkeypatch):
    monkeypatch.setattr(symbolic, "compare", z3_gives_up)
    result = simplify(P("a = g + g; b = a - g; update = b * lr"))
    assert result.program == P("update = g * lr")
    assert isinstance(result.evidence, answers.Tested) and result.evidence.cases == 64
    assert result.evidence.max_abs_diff < 1e-15


def test_simplify_drops_a_rewrite_random_testing_refutes(monkeypatch):
    monkeypatch.setattr(symbolic, "compare", z3_gives_up)
    monkeypatch.setattr(symbolic, "simplest", lambda p, seconds: P("update = g * 2.0"))   # wrong
    program = P("junk = exp(w); a = g + g; update = a * lr")
    assert simplify(program) == Simplified(P("a = g + g; update = a * lr"),
                                           Proved("dead-code removal", "1 of 3 statements removed"))


# ---------------------------------------------------------------- equivalent

def test_equivalent_proves_renamed_adam_and_rewritten_arithmetic():
    assert equivalent(ADAM, ADAM_RENAMED) == Proved("z3", "update, m and v equal over the reals")
    assert equivalent(P("update = g * 2.0"), P("update = g + g")) == Proved(
        "z3", "update, m and v equal over the reals")


def test_equivalent_counterexample_reproduces_under_run():
    answer = equivalent(SGD, MOMENTUM)
    assert isinstance(answer, Counterexample)
    expected, got = run(SGD, **answer.inputs), run(MOMENTUM, **answer.inputs)
    flat = [np.concatenate([np.ravel(x) for x in jax.tree_util.tree_leaves(out)])
            for out in (expected, got)]
    assert not np.allclose(flat[0], flat[1])
    assert answer.describe().startswith("counterexample: w=")


def test_equivalent_random_testing_finds_a_counterexample(monkeypatch):
    monkeypatch.setattr(symbolic, "compare", z3_gives_up)
    near_sgd = P("u = g * lr; update = u * 1.001")
    answer = equivalent(SGD, near_sgd)
    assert isinstance(answer, Counterexample)
    assert not np.allclose(run(SGD, **answer.inputs)[0][0], run(near_sgd, **answer.inputs)[0][0],
                           rtol=1e-4, atol=0)


def test_equivalent_finds_the_division_guard_counterexample():
    answer = equivalent(P("a = g * lr; b = a / lr; update = b * lr"), P("update = g * lr"))
    assert isinstance(answer, Counterexample)
    assert 0 < abs(float(answer.inputs["lr"])) < 1e-30


@pytest.mark.parametrize("a, b", [
    ("a = log(g); update = exp(a)", "update = abs(g)"),        # true for |g| >= TINY; z3 can't know
    ("a = square(g); update = sqrt(a)", "update = abs(g)"),
])
def test_equivalent_never_proves_what_z3_cannot(a, b):
    answer = equivalent(P(a), P(b))
    assert isinstance(answer, answers.Tested) and answer.cases == 64 and answer.max_abs_diff < 1e-12
    assert answer.describe().startswith("not proved; agreed on 64 random cases")


def test_answers_describe_in_one_line():
    for answer in (Proved("z3", "x"), Unknown("timeout"), answers.Tested(64, 0.0),
                   Counterexample({"x": np.zeros(3)}, (np.ones(2),), (np.zeros(2),))):
        assert "\n" not in answer.describe()


# ---------------------------------------------------------------- properties

def mirror64(program, seed=11):
    return evaluate(program, random_batch(16, seed).astype(np.float64))


ALGEBRAIC = ("add", "sub", "mul", "div", "negative", "reciprocal", "square", "interp", "abs",
             "sign", "max", "exp", "norm")   # where sympy finds rewrites, guards included


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(programs(max_statements=5), programs(max_statements=6, ops=ALGEBRAIC)))
def test_simplify_preserves_behaviour(program):
    result = simplify(program, timeout_ms=300, cases=32)
    assert isinstance(result.evidence, (Proved, answers.Tested))
    assert len(result.program.statements) <= len(remove_dead(program).statements)
    assert close(mirror64(result.program), mirror64(program), rtol=1e-5, atol=1e-8)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(programs(max_statements=6))
def test_remove_dead_changes_no_output(program):
    live = remove_dead(program)
    assert fingerprint(live) == fingerprint(program)
    assert remove_dead(live) == live
    np.testing.assert_array_equal(mirror64(live), mirror64(program))


def test_finite_update():
    assert finite_update(library.load("adam"))
    assert not finite_update(P("t = exp(1000.0); update = g * t"))
