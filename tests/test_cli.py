"""The synth command: outputs, exit codes, one-line errors without tracebacks."""
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synth.cli import main
from synth.dsl import optim

SYNTH = [sys.executable, "-m", "synth.cli"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_optim_show(capsys):
    code, out, _ = run(capsys, "optim", "show", "lion")
    assert code == 0 and out == optim.library.source("lion")


def test_unknown_library_name_is_one_line(capsys):
    code, out, err = run(capsys, "optim", "show", "rmsprop")
    assert code == 2 and out == ""
    assert err == ("synth: error: unknown optimizer 'rmsprop'; "
                   "expected one of adam, adamw, lion, momentum, sgd\n")


def _write(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(f"def train(w, g, m, v, lr):\n{body}\n    return update, m, v\n")
    return str(path)


def test_optim_check_proved(capsys, tmp_path):
    a = _write(tmp_path, "a.optim", "    update = g * 2.0")
    b = _write(tmp_path, "b.optim", "    t = g + g\n    update = t * 1.0")
    code, out, _ = run(capsys, "optim", "check", a, b)
    assert code == 0 and out.startswith("proved by z3")
    code, out, _ = run(capsys, "optim", "check", a, b, "--json")
    assert json.loads(out)["evidence"] == "Proved" and json.loads(out)["proved"] is True


def test_optim_check_counterexample(capsys, tmp_path):
    a = _write(tmp_path, "a.optim", "    update = g * lr")
    b = _write(tmp_path, "b.optim", "    update = sign(g)")
    code, out, _ = run(capsys, "optim", "check", a, b, "--json")
    assert code == 1
    assert json.loads(out)["evidence"] == "Counterexample" and json.loads(out)["proved"] is False


def test_fmt(capsys, tmp_path):
    path = tmp_path / "x.optim"
    path.write_text("def train(w,g,m,v,lr): update=g*lr; return update,m,v")
    code, out, _ = run(capsys, "fmt", str(path))
    assert code == 0
    assert out == "def train(w, g, m, v, lr):\n    update = g * lr\n    return update, m, v\n"
    assert run(capsys, "fmt", str(path), "--write")[0] == 0
    assert path.read_text() == out


@pytest.mark.parametrize("body, message", [
    ("    update = foo(g)", "x.optim:2:14: unknown function 'foo'"),
    ("    update = sign(g, m)", "x.optim:2:14: sign takes 1 argument; found 2"),
    ("    update = sign(q)", "x.optim:2:19: undefined variable 'q'"),
])
def test_bad_programs_name_the_place(capsys, tmp_path, body, message):
    path = _write(tmp_path, "x.optim", body)
    code, out, err = run(capsys, "fmt", path)
    assert code == 2 and out == ""
    assert err.startswith(f"synth: error: {path[:-len('x.optim')]}{message}")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_fmt_unknown_extension_and_missing_file(capsys, tmp_path):
    code, _, err = run(capsys, "fmt", str(tmp_path / "a.txt"))
    assert code == 2 and "no DSL for a.txt; found .txt; expected one of .optim" in err
    code, _, err = run(capsys, "fmt", str(tmp_path / "missing.optim"))
    assert code == 2 and "cannot read" in err and "No such file" in err


def test_discover_bad_input(capsys, tmp_path):
    assert run(capsys, "discover", "--space", "rasp")[2] == (
        "synth: error: unknown search space 'rasp'; expected optimizers\n")
    (tmp_path / "checkpoint.json").write_text("{not json")
    code, _, err = run(capsys, "discover", "--space", "optimizers", "--resume", str(tmp_path))
    assert code == 2 and err.startswith(f"synth: error: corrupt checkpoint {tmp_path}/checkpoint.json")


def test_discover_end_to_end_with_ctrl_c_and_resume(tmp_path):
    """The real default tasks: Ctrl-C leaves a checkpoint, --resume finishes the run."""
    out = tmp_path / "run"
    argv = SYNTH + ["discover", "--space", "optimizers", "--budget-evals", "96",
                    "--population", "16", "--out", str(out)]
    # SIGINT as in a terminal: a child inherits "ignore SIGINT" from a background job, and
    # Python (and synth) then keep ignoring it.
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 300
    while not (out / "checkpoint.json").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    # the first checkpoint is written before any search batch; interrupt during the search
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    if proc.returncode == 0:
        pytest.fail("the run finished before it could be interrupted")
    assert proc.returncode == 130, err
    assert "continue with: synth discover --space optimizers --resume" in err
    assert "Traceback" not in err
    done = subprocess.run(SYNTH + ["discover", "--space", "optimizers", "--resume", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["evaluations"] == 96
    assert "best program (meta-validation fitness" in done.stdout
    assert "sgd_momentum" in done.stdout and "adamw" in done.stdout


def test_cli_default_budget_is_the_library_default():
    from synth.cli import DEFAULT_BUDGET
    from synth.discover.run import DiscoverConfig
    assert DEFAULT_BUDGET == DiscoverConfig().budget_evals


def test_example_runs():
    done = subprocess.run([sys.executable, "examples/use_a_dsl_optimizer.py"], capture_output=True,
                          text=True, timeout=300, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert "simplification: proved by dead-code removal: 1 of 5 statements removed" in done.stdout
    assert "same as the library's Lion? counterexample" in done.stdout
    assert float(done.stdout.rsplit("final loss", 1)[1]) < 5.0
