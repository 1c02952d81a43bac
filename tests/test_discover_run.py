"""End to end on tiny budgets and small tasks: outputs, interruption and resume, bad input."""
import importlib.util
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from synth.discover.run import CHECKPOINT, DiscoverConfig, discover
from synth.dsl import optim
from synth.dsl.optim import analysis
from synth.errors import CheckpointError, EvaluationError, Interrupted, NameError_, ShapeError

SMALL = DiscoverConfig(budget_evals=96, population=16, tournament=4, batch=8, finalists=2,
                       stage1=("quadratic",), stage2=("logistic",),
                       meta_validation=("quadratic_highdim",))


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    return out, discover(SMALL, out)


def test_results_json(finished):
    out, returned = finished
    results = json.loads((out / "results.json").read_text())
    best = results["best"]
    program = optim.parse(best["program"])
    simplified = optim.parse(best["simplified"])
    assert analysis.fingerprint(program) == analysis.fingerprint(simplified)
    assert best["simplified_equivalence"].startswith(("proved by", "tested on"))
    assert set(results["baselines"]) == {"sgd_momentum", "adamw", "lion"}
    assert results["evaluations"] == 96
    assert 0 < results["unique_evaluations"] <= 96
    assert results["cache_hit_rate"] == pytest.approx(1 - results["unique_evaluations"] / 96)
    assert 0 <= results["redundant_statement_share"] < 1
    ranked = [e["fitness"] for e in results["leaderboard"]]
    assert ranked == sorted(ranked) and len(ranked) == 2 + 3
    assert best["fitness"] == min(e["fitness"] for e in results["leaderboard"] if e["program"])
    assert list(best["per_task"]) == ["quadratic_highdim"]
    assert returned["best"] == best


def test_best_optax_module_runs_like_the_program(finished):
    out, _ = finished
    spec = importlib.util.spec_from_file_location("best_optax", out / "best_optax.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    program = optim.parse(json.loads((out / "results.json").read_text())["best"]["program"])
    params = {"a": jnp.linspace(-1.0, 1.0, 6).reshape(2, 3), "b": jnp.ones(2)}
    grads = jax.tree_util.tree_map(lambda x: 0.3 * x + 0.1, params)
    exported, reference = module.optimizer(0.01), program.to_optax(0.01)
    u1, _ = exported.update(grads, exported.init(params), params)
    u2, _ = reference.update(grads, reference.init(params), params)
    for a, b in zip(jax.tree_util.tree_leaves(u1), jax.tree_util.tree_leaves(u2)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_hlo_and_plot(finished):
    out, _ = finished
    assert (out / "best.hlo.txt").read_text().startswith("HloModule")
    assert (out / "progress.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert optim.parse((out / "best.optim").read_text())


def test_interrupted_run_resumes_to_the_same_result(finished, tmp_path):
    _, uninterrupted = finished

    def ctrl_c(state, seconds):
        if state.proposals >= 48:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted, match=f"interrupted after 48 evaluations; continue with: "
                                          f"synth discover --space optimizers --resume {tmp_path}"):
        discover(SMALL, tmp_path, progress=ctrl_c)
    saved = json.loads((tmp_path / CHECKPOINT).read_text())
    assert saved["proposals"] == 48

    def early_ctrl_c(state, seconds):   # while the resumed run is still replaying
        if state.proposals >= 16:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted):
        discover(SMALL, tmp_path, resume=True, progress=early_ctrl_c)
    assert json.loads((tmp_path / CHECKPOINT).read_text()) == saved     # nothing lost
    resumed = discover(DiscoverConfig(), tmp_path, resume=True)   # the checkpoint's config wins
    for key in ("best", "baselines", "evaluations", "unique_evaluations", "cache_hit_rate",
                "redundant_statement_share", "leaderboard"):
        assert resumed[key] == uninterrupted[key], key


def test_ctrl_c_stops_after_the_batch_it_lands_in(tmp_path, capsys):
    """A real SIGINT sets a flag; the search stops when the batch ends, with its checkpoint."""
    import os
    import signal

    def press_ctrl_c(state, seconds):
        if state.proposals == 24:
            os.kill(os.getpid(), signal.SIGINT)   # handled at once, in this (main) thread

    # As in a terminal, whatever this test process inherited (a background job ignores SIGINT).
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(Interrupted, match="interrupted after 24 evaluations"):
            discover(SMALL, tmp_path, progress=press_ctrl_c)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # restored
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert json.loads((tmp_path / CHECKPOINT).read_text())["proposals"] == 24
    assert "stopping after this batch (Ctrl-C again to stop now)" in capsys.readouterr().err


def test_ctrl_c_ignored_when_the_process_ignores_sigint(finished, tmp_path):
    """Started with SIGINT ignored (nohup, a background job): the run goes on, as Python would."""
    import os
    import signal

    def press_ctrl_c(state, seconds):
        if state.proposals == 24:
            os.kill(os.getpid(), signal.SIGINT)

    inherited = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        results = discover(SMALL, tmp_path, progress=press_ctrl_c)
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert results["evaluations"] == 96 and results["best"] == finished[1]["best"]


def test_resume_without_or_with_corrupt_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint to resume"):
        discover(SMALL, tmp_path, resume=True)
    (tmp_path / CHECKPOINT).write_text('{"format": 1, "config": {"budget_evals": 9')
    with pytest.raises(CheckpointError, match="corrupt checkpoint"):
        discover(SMALL, tmp_path, resume=True)
    (tmp_path / CHECKPOINT).write_text('{"format": 1, "config": {}, "start": "nonsense", "scores": []}')
    with pytest.raises(CheckpointError, match="corrupt checkpoint"):
        discover(SMALL, tmp_path, resume=True)


def test_bad_warm_starts(tmp_path):
    with pytest.raises(NameError_, match="unknown --init 'rmsprop'"):
        discover(DiscoverConfig(init="rmsprop"), tmp_path)
    nan = tmp_path / "nan.optim"
    nan.write_text("def train(w, g, m, v, lr):\n t = exp(1000.0)\n update = g * t\n return update, m, v\n")
    with pytest.raises(EvaluationError, match="the warm-start program's update is NaN or infinite"):
        discover(DiscoverConfig(init=str(nan)), tmp_path)
    scalar = tmp_path / "scalar.optim"
    scalar.write_text("def train(w, g, m, v, lr):\n update = lr * 2.0\n return update, m, v\n")
    with pytest.raises(ShapeError, match=f"{scalar}: the returned update 'update' does not have"):
        discover(DiscoverConfig(init=str(scalar)), tmp_path)
