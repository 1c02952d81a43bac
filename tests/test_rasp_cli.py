"""`synth rasp run` and `synth rasp layers`, end to end through synth.cli.main."""
import json

import pytest

from synth.cli import EXIT_BAD_INPUT, main
from synth.dsl.rasp import library

PAPER = str(library.path("paper"))


def synth(capsys, *argv):
    code = main(["rasp", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_prints_the_output_sequence(capsys):
    assert synth(capsys, "run", PAPER, "--expr", "reverse", "--input", "hello") == \
        (0, "[o, l, l, e, h] (strings)\n", "")
    assert synth(capsys, "run", PAPER, "--expr", "hist_nobos", "--input", "hello") == \
        (0, "[1, 1, 2, 2, 1] (ints)\n", "")


def test_run_json(capsys):
    code, out, _ = synth(capsys, "run", PAPER, "--expr", "sort_bos", "--input", "§banana", "--json")
    assert code == 0
    assert json.loads(out) == {"output": list("§aaabnn"), "type": "str"}
    code, out, _ = synth(capsys, "run", PAPER, "--expr", "dyck1_ptf", "--input", "(()))(", "--json")
    assert json.loads(out) == {"output": ["P", "P", "P", "T", "F", "F"], "type": "str"}


def test_run_any_expression_on_a_json_input(capsys):
    code, out, _ = synth(capsys, "run", PAPER, "--expr",
                         "aggregate(select(indices, indices, <=), tokens_int)",
                         "--input-json", "[2, 4, 6]", "--json")
    assert (code, json.loads(out)) == (0, {"output": [2, 3.0, 4.0], "type": "float"})
    code, out, _ = synth(capsys, "run", PAPER, "--expr", "select(indices, indices, <)",
                         "--input", "abc", "--json")
    assert json.loads(out) == {"selector": [[0, 0, 0], [1, 0, 0], [1, 1, 0]]}
    assert synth(capsys, "run", PAPER, "--expr", "tokens_float / 4", "--input", "12") == \
        (0, "[0.25, 0.5] (floats)\n", "")


def test_layers(capsys):
    assert synth(capsys, "layers", PAPER, "--expr", "sort_by_most_freq") == \
        (0, "3 layers; heads per layer: 2, 1, 1\n", "")
    code, out, _ = synth(capsys, "layers", PAPER, "--expr", "reverse", "--json")
    assert json.loads(out) == {"layers": 2, "heads": [1, 1], "max_heads": 1}


def test_a_user_file_loads_the_library(capsys, tmp_path):
    program = tmp_path / "mine.rasp"
    program.write_text('load "paper";\nshout = reverse + "!";  # each letter, reversed\n')
    assert synth(capsys, "run", str(program), "--expr", "shout", "--input", "abc") == \
        (0, "[c!, b!, a!] (strings)\n", "")


@pytest.mark.parametrize("argv, message", [
    (["run", "missing.rasp", "--expr", "x", "--input", "a"],
     "synth: error: no such RASP file; found missing.rasp; expected a .rasp file\n"),
    (["run", PAPER, "--expr", "nope", "--input", "a"],
     "synth: error: --expr:1:1: undefined name 'nope'\n"),
    (["run", PAPER, "--expr", "reverse +", "--input", "a"],
     "synth: error: --expr:1:10: unexpected token; found ';'"),
    (["run", PAPER, "--expr", "tokens_int", "--input", "1a"],
     "synth: error: input: tokens_int: input token 1 is not an int; found 'a'\n"),
    (["run", PAPER, "--expr", "dyckk_ptf", "--input", "()"],
     "synth: error: only an s-op or a selector runs on an input; found the function dyckk_ptf\n"),
    (["run", PAPER, "--expr", "dyckk_ptf(1)", "--input", "()"],
     "synth: error: " + PAPER + ":70:27: a list comprehension iterates over a list; found the number 1\n"),
    (["run", PAPER, "--expr", "reverse", "--input-json", "{\"a\": 1}"],
     "synth: error: --input-json must be a JSON list; found dict\n"),
    (["run", PAPER, "--expr", "reverse", "--input-json", "[1,"],
     "synth: error: --input-json is not JSON; found Expecting value\n"),
    (["layers", PAPER, "--expr", "[1]"],
     "synth: error: only s-ops and selectors have layers; found a list\n"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = synth(capsys, *argv)
    assert code == EXIT_BAD_INPUT and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_a_broken_file_names_its_line(capsys, tmp_path):
    program = tmp_path / "broken.rasp"
    program.write_text("x = tokens;\ny = aggregate(x, x);\n")
    code, _, err = synth(capsys, "run", str(program), "--expr", "y", "--input", "a")
    assert code == EXIT_BAD_INPUT
    assert err == (f"synth: error: {program}:2:15: aggregate's first argument must be a selector; "
                   "found an s-op\n")


def test_fmt_formats_rasp(capsys, tmp_path):
    program = tmp_path / "p.rasp"
    program.write_text("def f(x){return x+1;}  y=f(indices);")
    assert main(["fmt", str(program)]) == 0
    assert capsys.readouterr().out == "def f(x) {\n    return x + 1;\n}\n\ny = f(indices);\n"
