"""Training and scoring optimizer programs on proxy tasks, batched and through optax."""
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from synth.discover import tasks
from synth.discover.evaluate import CAP, Funnel, Problem, log_score, optax_rule, program_rule, scorer
from synth.dsl import optim
from synth.dsl.optim import vectorized

QUADRATIC = tasks.get_task("quadratic")
LIB = {name: optim.library.load(name) for name in optim.library.NAMES}


def test_log_score():
    assert float(log_score(0.1, 1.0, 1e-3)) == pytest.approx(-1.0)
    assert float(log_score(1e-9, 1.0, 1e-3)) == pytest.approx(-3.0)     # floored
    assert float(log_score(100.0, 1.0, 1e-3)) == CAP                      # capped
    assert float(log_score(jnp.nan, 1.0, 1e-3)) == CAP
    assert float(log_score(jnp.inf, 1.0, 1e-3)) == CAP


def test_scores_rank_known_optimizers_on_the_quadratic():
    s = dict(zip(LIB, scorer(QUADRATIC)(vectorized.stack(list(LIB.values())))))
    assert s["adam"] < s["momentum"] < s["sgd"] < 0
    assert s["adamw"] < s["lion"]


def test_a_program_scores_the_same_alone_or_in_a_batch():
    sc = scorer(QUADRATIC)
    alone = sc(vectorized.stack([LIB["momentum"]]))
    together = sc(vectorized.stack([LIB["sgd"], LIB["momentum"], LIB["adam"]]))
    assert alone[0] == together[1]


def test_padding_rows_are_not_run():
    sc = scorer(QUADRATIC)
    enc = vectorized.stack([LIB["sgd"], LIB["adam"]])
    assert sc(enc, 1).tolist() == [sc(enc)[0]]


def test_program_and_optax_paths_agree():
    """The DSL's momentum and optax's sgd(momentum=0.9) train identically in one harness."""
    problem = Problem(QUADRATIC, (0, 1))
    ours = problem.scores(*program_rule(vectorized.encode(LIB["momentum"]), problem.segments), (0.01, 0.1))
    theirs = problem.scores(*optax_rule(lambda lr: optax.sgd(lr, momentum=0.9)), (0.01, 0.1))
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), atol=1e-4)


def test_funnel_charges_a_program_that_diverges_on_a_later_task():
    """Solving stage 1 does not excuse diverging on stage 2 at every rate tried."""
    blows_up_later = optim.parse("def train(w, g, m, v, lr):\n u = g * 0.5\n return u, m, v\n")
    rosenbrock = tasks.get_task("rosenbrock")    # curvature ~1000 at the start: step 0.5 explodes
    funnel = Funnel([QUADRATIC], [rosenbrock], batch=8, promote=1.0, lrs=(1.0,))
    stage1 = float(scorer(QUADRATIC, (1.0,))(vectorized.stack([blows_up_later]))[0])
    later = float(scorer(rosenbrock, (1.0,))(vectorized.stack([blows_up_later]))[0])
    assert stage1 < CAP and later == CAP          # fine on the quadratic, diverges on Rosenbrock
    assert funnel([blows_up_later]) == [pytest.approx(CAP + 10.0 ** (stage1 - CAP), rel=1e-6)]


def test_funnel_promotes_a_quarter_and_charges_the_rest():
    funnel = Funnel([QUADRATIC], [tasks.get_task("logistic")], batch=8)
    bad_shape = optim.parse("def train(w, g, m, v, lr):\n u = lr * 2.0\n return u, m, v\n")
    diverging = optim.parse("def train(w, g, m, v, lr):\n u = g * 1000.0\n return u, m, v\n")
    programs = [LIB["sgd"], LIB["adam"], LIB["momentum"], LIB["lion"], bad_shape, diverging]
    fitness = funnel(programs)
    stage1 = scorer(QUADRATIC)(vectorized.stack(programs[:4]))
    promoted = [i for i, f in enumerate(fitness) if f <= CAP]
    assert promoted == [1]                      # 6 programs, 5 valid: round(5/4) = 1, the best
    # A promoted program's fitness is its mean score over every task of both stages.
    logistic = float(scorer(tasks.get_task("logistic"))(vectorized.stack([LIB["adam"]]))[0])
    assert fitness[1] == pytest.approx((stage1[1] + logistic) / 2, rel=1e-6)
    for i in (0, 2, 3):
        assert fitness[i] == pytest.approx(CAP + 10.0 ** (stage1[i] - CAP), rel=1e-6)
        assert CAP < fitness[i] < 2 * CAP
    assert fitness[4] == 2 * CAP                # rejected by abstract execution, never trained
    assert fitness[5] == 2 * CAP                # diverged on stage 1: CAP + 10**0
