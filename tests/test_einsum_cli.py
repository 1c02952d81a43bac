"""`synth einsum plan`: the cheapest contraction order, as text or JSON; bad input is one line, exit 2."""
import json

from synth.cli import main


def test_plan_json(capsys):
    assert main(["einsum", "plan", "ij,jk,kl->il", "--shapes", "10x100,100x5,5x50", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"expression": "ij,jk,kl->il", "subscripts": "ab,bc,cd->ad", "path": [[0, 1], [0, 1]],
                   "flops": 15000, "largest_intermediate": 500,
                   "steps": [{"operands": [0, 1], "result": ["i", "k"], "flops": 10000, "size": 50},
                             {"operands": [0, 1], "result": ["i", "l"], "flops": 5000, "size": 500}]}


def test_plan_text(capsys):
    assert main(["einsum", "plan", "b h i d, b h j d -> b h i j", "--shapes", "2x4x8x16,2x4x8x16"]) == 0
    assert capsys.readouterr().out == ("b h i d, b h j d -> b h i j: 16384 FLOPs, largest intermediate 512 elements\n"
                                       "  contract [0, 1] -> (b h i j)  16384 FLOPs\n")


def test_plan_memory_limit(capsys):
    assert main(["einsum", "plan", "bd,ba,cd->", "--shapes", "4x6,4x2,5x6", "--memory-limit", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["path"] == [[0, 2], [0, 1]]
    assert main(["einsum", "plan", "bd,ba,cd->", "--shapes", "4x6,4x2,5x6", "--memory-limit", "3"]) == 2
    err = capsys.readouterr().err
    assert err == ("synth: error: no contraction order keeps every intermediate within the memory limit; "
                   "found memory_limit=3\n")


def test_plan_bad_input_is_one_line(capsys):
    cases = [
        (["ij,jk->ik", "--shapes", "2x3,4x5"], "synth: error: axis j: operand 0 has 3, operand 1 has 4\n"),
        (["ij,jk->ik", "--shapes", "2x3"], "synth: error: 'ij,jk->ik' takes 2 operands; found 1\n"),
        (["ij,jk->iq", "--shapes", "2x3,3x4"], "synth: error: <string>:1:8: output axis q is in no input; "
                                               "expected axes of the inputs\n"),
        (["ij->i", "--shapes", "2xq"], None),
    ]
    for argv, expected in cases:
        assert main(["einsum", "plan", *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("synth: error: ") and "Traceback" not in err
        if expected is not None:
            assert err == expected
