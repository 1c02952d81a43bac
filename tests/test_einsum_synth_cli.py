"""`synth einsum synth`: examples from .npz files, the program as text or JSON, exit codes."""
from __future__ import annotations

import json

import numpy as np

from synth.cli import main

RNG = np.random.default_rng(0)


def write(path, *inputs, output):
    np.savez(path, output=output, **{f"input{k}": a for k, a in enumerate(inputs)})
    return str(path)


def test_json(tmp_path, capsys):
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 5))
    code = main(["einsum", "synth", "--examples", write(tmp_path / "ex.npz", a, b, output=a @ b), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["program"], out["verified_examples"], out["candidates_tried"]) == ("ab,bc->ac", 1, 1)
    assert out["seconds"] >= 0


def test_text_and_two_examples(tmp_path, capsys):
    s = RNG.standard_normal((3, 3))
    symmetric, other = s + s.T, RNG.standard_normal((3, 3))
    first = write(tmp_path / "1.npz", symmetric, output=symmetric.T)
    second = write(tmp_path / "2.npz", other, output=other.T)
    assert main(["einsum", "synth", "--examples", first, "--examples", second]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "ab->ba"
    assert lines[1].endswith("reproduces all 2 example(s)")


def test_not_found_exits_1_with_one_line(tmp_path, capsys):
    a = RNG.standard_normal((3, 4))
    code = main(["einsum", "synth", "--examples", write(tmp_path / "ex.npz", a, output=a + 1), "--timeout", "5"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert captured.err.startswith("synth: no program found: no program up to cost 10 reproduces the examples")


def test_bad_examples_exit_2_with_one_line(tmp_path, capsys):
    a = RNG.standard_normal((2, 2))
    np.savez(tmp_path / "bad.npz", input0=a)
    assert main(["einsum", "synth", "--examples", str(tmp_path / "bad.npz")]) == 2
    err = capsys.readouterr().err
    assert err == (f"synth: error: {tmp_path / 'bad.npz'}: no array named 'output'; found input0; "
                   "expected arrays input0, input1, ... and output\n")
    one = write(tmp_path / "one.npz", a, output=a)
    two = write(tmp_path / "two.npz", a, a, output=a)
    assert main(["einsum", "synth", "--examples", one, "--examples", two]) == 2
    assert capsys.readouterr().err == f"synth: error: {two}: 2 inputs, but {one} has 1\n"


def test_timeout_must_be_positive(tmp_path, capsys):
    a = RNG.standard_normal((2, 2))
    assert main(["einsum", "synth", "--examples", write(tmp_path / "ex.npz", a, output=a), "--timeout", "-1"]) == 2
    assert capsys.readouterr().err == "synth: error: --timeout must be positive; found -1.0; expected seconds, e.g. 10\n"
