"""RASP synthesis from examples: the generic enumerator, the batch semantics against the
reference, the task oracles, the programs found for the easy tasks, and the CLI."""
import json
from pathlib import Path

import pytest

from synth.cli import main
from synth.dsl import rasp
from synth.dsl.rasp import library as paper_library
from synth.dsl.rasp import sops
from synth.errors import ExampleError
from synth.rasp import tasks
from synth.rasp.batch import Batch
from synth.rasp.program import to_text
from synth.rasp.synthesize import Budget, synthesize, synthesize_task
from synth.search.enumeration import Production, Stats, enumerate_terms

SMALL = Budget(seconds=60, max_size=6)


# The engine, on a DSL that is not RASP: integer expressions over x.

def test_enumeration_finds_the_smallest_term_and_prunes_equal_behaviours():
    xs = (0, 1, 2, 3)
    target = tuple(x * x + 1 for x in xs)
    productions = [
        Production("+", ("int", "int"), lambda a, b: tuple(map(int.__add__, a, b)),
                   lambda a, b: f"({a} + {b})", commutative=True),
        Production("*", ("int", "int"), lambda a, b: tuple(map(int.__mul__, a, b)),
                   lambda a, b: f"({a} * {b})", commutative=True)]
    stats = Stats()
    found = enumerate_terms([("x", xs), ("1", (1,) * 4), ("x'", xs)], productions,
                            kind_of=lambda v: "int", key=lambda v: v,
                            goal=lambda f: f.term if f.value == target else None, stats=stats)
    assert found == "(1 + (x * x))"
    assert stats.kept < stats.tried        # x' behaves as x: never kept, never grown


def test_enumeration_gives_up_at_the_size_limit():
    productions = [Production("inc", ("int",), lambda a: tuple(v + 1 for v in a),
                              lambda a: f"{a}+1")]
    stats = Stats()
    assert enumerate_terms([("x", (0,))], productions, lambda v: "int", lambda v: v,
                           lambda f: f.term if f.value == (10,) else None, max_size=5,
                           stats=stats) is None
    assert stats.size == 5


# The batch semantics the search runs must agree with the reference semantics.

@pytest.mark.parametrize("name", ["hist_nobos", "reverse", "dyck1_ptf", "dyck2_ptf"])
def test_batch_semantics_agrees_with_the_reference(name):
    env = rasp.run_file(Path(paper_library.__file__).parent / "paper.rasp")
    node = rasp.evaluate(env, name)
    inputs = (tuple("(()"), tuple("{(})"), tuple("abca"), tuple("x"), tuple("(){}()"))
    flat = Batch(inputs).evaluate(node, {})
    assert flat == tuple(v for x in inputs for v in rasp.run(node, x).values)


# Task oracles (what found programs are checked against).

def test_task_oracles():
    assert tasks.reverse(list("abc")) == list("cba")
    assert tasks.hist(list("abca")) == [2, 1, 1, 2]
    assert tasks.double_hist(list("aabcd")) == [1, 1, 3, 3, 3]
    assert tasks.sort(list("cab")) == list("abc")
    assert tasks.most_freq(list("abbcc")) == ["b", "c", "a", "§", "§"]
    assert tasks.dyck(("()",))(list("(())(")) == list("PPPTP")
    assert tasks.dyck(("()",))(list("())(")) == list("PTFF")
    assert tasks.dyck(("()", "{}"))(list("({)}")) == list("PPFF")
    assert tasks.dyck(("()", "{}"))(list("({})")) == list("PPPT")


# Programs found for the easy tasks, exactly.

@pytest.mark.parametrize("name, text, size", [
    ("reverse", "reverse = aggregate(select(length - indices - 1, indices, ==), tokens);\n", 5),
    ("hist", "hist = selector_width(select(tokens, tokens, ==));\n", 1),
    ("double_hist", "v1 = selector_width(select(tokens, tokens, ==));\n"
                    "double_hist = selector_width(select(v1, v1, ==)) / v1;\n", 6),
])
def test_easy_tasks_exact_programs(name, text, size):
    result = synthesize(tasks.task(name).examples(), SMALL, name)
    assert (result.text, result.size) == (text, size)


def test_reverse_is_exhaustively_right():
    report = synthesize_task("reverse", SMALL, exhaustive_length=4)
    assert (report.exhaustive.correct, report.exhaustive.total) == (340, 340)
    assert report.longer.correct == report.longer.total == 200
    assert report.lines == 1


# The gather sketch: aggregate(select(K, indices, ==) [and mask], V, default), K enumerated.

MOST_FREQ = (
    "v1 = -selector_width(select(tokens, tokens, ==));\n"
    "v2 = select(indices, indices, <);\n"
    "v3 = selector_width(select(tokens, tokens, ==) and v2) == 0;\n"
    "most_freq = aggregate(select(selector_width(select(v1, v1, <) or (select(v1, v1, ==) and v2)"
    " and select(v3, True, ==)), indices, ==) and select(v3, True, ==), tokens, \"§\");\n")


def test_most_freq_is_found_through_the_gather_sketch_and_exhaustively_right():
    report = synthesize_task("most_freq", SMALL, exhaustive_length=3)
    assert report.result.text == MOST_FREQ
    # as the search counts: key rank_where(-count_same, first(tokens)) 5, mask first(tokens) 2,
    # values tokens 1; aggregate, select and indices 3; the mask's select and the `and` 2
    assert (report.lines, report.result.size) == (4, 13)
    assert (report.exhaustive.correct, report.exhaustive.total) == (84, 84)
    assert report.longer.correct == report.longer.total == 200
    assert report.compiled["layers"] == 3


def test_a_task_not_among_the_seven_dedup_is_found_and_right_on_every_short_input():
    # distinct tokens in order of first appearance, then "_": nothing in the blocks names it
    def dedup(x):
        unique = list(dict.fromkeys(x))
        return unique + ["_"] * (len(x) - len(unique))
    t = tasks.Task("dedup", dedup, tuple("abc"))
    result = synthesize(t.examples(), SMALL, "dedup")
    assert result.text is not None
    program = rasp.evaluate(rasp.run_text(result.text), "dedup")
    inputs = list(t.all_inputs(5))
    assert all(list(rasp.run(program, x).values) == dedup(list(x)) for x in inputs)
    assert len(inputs) == 363


def test_gather_sketch_chooses_mask_values_and_default_from_the_key():
    from synth.rasp.synthesize import _Gather
    from synth.search.enumeration import Found
    # one example "abc" -> "ca_"; a key names the output position its token goes to
    gather = _Gather(("c", "a", "_"), [3], [None, "_"])
    gather.add_values(Found("tokens", ("a", "b", "c"), "str", 1))
    gather.add_mask(Found("not_b", (True, False, True), "bool", 1))
    size, node = gather.offer(Found("key", (1, 2, 0), "num", 1))     # a->1, b->2, c->0
    assert isinstance(node, sops.Aggregate) and node.default == "_" and size == 1 + 1 + 3 + 1 + 2
    assert isinstance(node.selector, sops.SelectorAnd) and node.selector.right.keys == "not_b"
    assert gather.offer(Found("key2", (0, 1, 2), "num", 1)) is None   # a would land on "c"
    assert gather.offer(Found("key3", (1, 1, 0), "num", 1)) is not None   # the mask drops b
    assert gather.offer(Found("key4", (2, 1, 0), "num", 1)) is None   # no mask drops a from "_"


def test_program_text_round_trips_through_the_interpreter():
    node = sops.Aggregate(sops.Select(sops.INDICES, sops.Map("-", (sops.LENGTH, 1)), "=="),
                          sops.Map("if", (sops.Map("==", (sops.TOKENS["str"], "a")), "x", "y")))
    text = to_text(node, "out2")
    assert text == 'out2 = aggregate(select(indices, length - 1, ==), "x" if tokens == "a" else "y");\n'
    again = rasp.evaluate(rasp.run_text(text), "out2")
    assert rasp.run(again, list("ab")).values == rasp.run(node, list("ab")).values


# Bad examples.

def test_inconsistent_examples_are_refused():
    with pytest.raises(ExampleError, match="inconsistent examples"):
        synthesize([(("a", "b"), ("b", "a")), (("a", "b"), ("a", "a"))], SMALL)


def test_output_length_must_match_input():
    with pytest.raises(ExampleError, match="as long as the input"):
        synthesize([(("a", "b"), ("b",))], SMALL)


# CLI.

def test_cli_task_reverse_json(capsys):
    assert main(["rasp", "synth", "--task", "reverse", "--json", "--seconds", "60",
                 "--max-size", "6"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["program"] == "reverse = aggregate(select(length - indices - 1, indices, ==), tokens);\n"
    assert out["lines"] == 1
    assert out["accuracy"] == 1.0
    assert out["exhaustive"]["total"] == 4 + 16 + 64 + 256 + 1024 + 4096
    assert out["longer"]["correct"] == 200
    assert out["found"] is True and out["seconds"] > 0
    assert set(out) >= {"program", "lines", "accuracy", "seconds", "compiled"}


def test_cli_user_examples_file(tmp_path, capsys):
    path = tmp_path / "ex.json"
    # few examples admit small wrong programs (an if-chain over a, b, c); these five do not
    path.write_text(json.dumps([{"input": "abc", "output": "cba"},
                                {"input": ["b", "a"], "output": ["a", "b"]},
                                {"input": "abca", "output": "acba"},
                                {"input": "ccab", "output": "bacc"},
                                {"input": "dbd", "output": "dbd"}]))
    assert main(["rasp", "synth", "--examples", str(path), "--json", "--max-size", "6"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["program"] == "program = aggregate(select(length - indices - 1, indices, ==), tokens);\n"
    assert out["examples"] == {"accuracy": 1.0, "correct": 5, "total": 5,
                               "how": "the 5 given examples (no oracle to check more)"}
    # the text printed is a program `synth rasp run` runs
    program = tmp_path / "p.rasp"
    program.write_text(out["program"])
    assert main(["rasp", "run", str(program), "--expr", "program", "--input", "xyz"]) == 0
    assert capsys.readouterr().out.strip() == "[z, y, x] (strings)"


def test_cli_inconsistent_examples_one_line_error(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"input": "ab", "output": "ba"}, {"input": "ab", "output": "ab"}]))
    assert main(["rasp", "synth", "--examples", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"synth: error: {path}: example 1: inconsistent examples: the input "
                   "['a', 'b'] has two different outputs; found ['b', 'a'] and ['a', 'b']\n")


def test_cli_malformed_examples_file(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text('[{"input": "ab"}]')
    assert main(["rasp", "synth", "--examples", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"synth: error: {path}: example 0 must be an object")


def test_cli_not_found_exits_1(tmp_path, capsys):
    path = tmp_path / "hard.json"
    # 2 * length + 3 needs more than two primitives
    path.write_text(json.dumps([{"input": "ab", "output": [7, 7]},
                                {"input": "abc", "output": [9, 9, 9]}]))
    assert main(["rasp", "synth", "--examples", str(path), "--max-size", "2"]) == 1
    assert "no RASP program found for program" in capsys.readouterr().err


def test_categorical_target_met_by_an_if_chain():
    # "y" on a's, else "z" at the first position, else "w": no single primitive makes strings
    # from nothing, so the search must assemble the chain from two booleans
    def label(x):
        return ["y" if t == "a" else "z" if i == 0 else "w" for i, t in enumerate(x)]
    inputs = ["ab", "ba", "bb", "aab", "bab", "b", "abba"]
    result = synthesize([(tuple(x), tuple(label(x))) for x in inputs], SMALL)
    assert result.text == 'program = "y" if tokens == "a" else ("w" if indices > 0 else "z");\n'


def test_every_small_term_round_trips_and_agrees_with_the_reference():
    # every term the search keeps up to size 4, written as text, parsed and interpreted again,
    # computes on each example what the batch semantics said it computes
    from synth.rasp.synthesize import _Space, check_examples
    examples = check_examples(tasks.task("dyck2").examples(6, 5, seed=3))
    space = _Space(examples, "t")
    kept = []
    enumerate_terms(space.leaves(), space.productions(), space.kind_of, space.key,
                    lambda f: kept.append(f), max_size=4)
    assert len(kept) > 1000
    for found in kept:
        again = rasp.evaluate(rasp.run_text(to_text(found.term, "t")), "t")
        start = 0
        for e, (x, _) in enumerate(examples):
            got = rasp.run(again, x)
            if found.kind == "sel":
                assert (got.matrix == found.value[e]).all()
            else:
                assert got.values == found.value[start:start + len(x)]
            start += len(x)


def test_cli_not_found_json(tmp_path, capsys):
    path = tmp_path / "hard.json"
    path.write_text(json.dumps([{"input": "ab", "output": [7, 7]},
                                {"input": "abc", "output": [9, 9, 9]}]))
    assert main(["rasp", "synth", "--examples", str(path), "--max-size", "2", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["found"], out["program"], out["lines"], out["accuracy"]) == (False, None, None, None)
    assert out["search"]["size_reached"] == 2
