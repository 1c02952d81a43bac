"""RASP synthesis, top-down parts for bracket-like targets: a once-true case met as ever(X)
with X only partly specified, the grouped-vote sketch, token-pair membership, and a task
outside the paper's seven (two bracket types balanced independently) found end to end."""
import json

import numpy as np

from synth.cli import main
from synth.dsl import rasp
from synth.dsl.rasp import sops
from synth.rasp import tasks
from synth.rasp.program import to_text
from synth.rasp.synthesize import _Cases, _first_true, _GroupedMean
from synth.search.enumeration import Found

B = lambda s: np.array([c == "1" for c in s])      # "0110" -> a boolean array


def test_first_true_cares_up_to_where_the_case_first_holds():
    # two examples (lengths 4 and 3): X must be true at the first wanted position, false
    # before it; after it, and in an example never wanting true, as said below
    care, want = _first_true(B("1111111"), B("0011000"), [4, 3])
    assert (care.tolist(), want.tolist()) == (B("1110111").tolist(), B("0010000").tolist())
    # a position no case cares about (an earlier case's) is free if no cared one follows it
    # before the first true one
    care, want = _first_true(B("1011"), B("0011"), [4])
    assert (care.tolist(), want.tolist()) == (B("1010").tolist(), B("0010").tolist())
    # but not if a cared one does: X true there would make ever true at that cared position
    care, want = _first_true(B("0111"), B("0011"), [4])
    assert (care.tolist(), want.tolist()) == (B("1110").tolist(), B("0010").tolist())


def test_first_true_refuses_a_case_that_turns_false_again():
    assert _first_true(B("111"), B("010"), [3]) is None
    assert _first_true(B("101"), B("101"), [3]) is not None     # the false one is not cared


def test_a_once_true_case_is_met_through_ever():
    cases = _Cases(np.array(["T", "F", "F", "T", "T"], dtype=object), [3, 2])
    x = sops.Map("==", (sops.INDICES, 1))
    chain = cases.offer(B("01000")[None], lambda row: (2, 2, x))
    assert chain is not None
    due, size, node = chain
    # ever(X) is one more primitive than X, the chain one more than its condition
    assert (due, size) == (2, 4)
    assert to_text(node, "y") == ('y = "F" if aggregate(select(indices, indices, <=), '
                                  'indicator(indices == 1)) > 0 else "T";\n')
    # X alone is not the case: it turns false after the first F
    assert B("01000").tolist() != (cases.target == "F").tolist()


def _vote_space(target, lengths):
    cases = _Cases(np.array(target, dtype=object), lengths)
    return cases, _GroupedMean(lengths, cases)


def test_votes_are_running_majorities_within_each_group():
    cases, vote = _vote_space(["T", "T", "F", "F", "T"], [4, 1])
    vote.add(Found("b", (0, 1, 1, 1, 1), "num", 1))
    vote.add(Found("not01", (0, 2, 1, 1, 1), "num", 1))           # no ballot: not 0/1
    assert [f.term for f in vote.values] == ["b"]
    group = vote.codes((7, 7, 8, 8, 7))     # groups {0, 1}, {2, 3} and the second example
    assert group.tolist() == [0, 0, 1, 1, 2]
    # means 0, 1/2 (a tie: round(0.5) is 0, no majority), 1, 1; and 1
    assert vote._votes(group, 5).tolist() == [[False, False, True, True, True]]
    assert vote._votes(group, 4).tolist() == [[False, False, True, True]]


def test_a_grouped_vote_completes_a_chain():
    cases, vote = _vote_space(["T", "T", "F", "F", "T"], [4, 1])
    a = sops.Map("indicator", (sops.Map("==", (sops.TOKENS["str"], "a")),))
    vote.add(Found(a, (0, 1, 1, 1, 0), "num", 2))
    due, size, node = vote.offer(Found(sops.INDICES, (0, 1, 2, 3, 0), "num", 1)) or \
        vote.offer(Found(sops.Map("<", (sops.INDICES, 2)), (True, True, False, False, True),
                         "bool", 2))
    assert due == 2
    # indices alone groups every position by itself: the vote there is the ballot, 1 at
    # position 1 (not F); the key "index < 2" groups {0, 1}, {2, 3}: a tie at 1, F at 2 and 3
    assert to_text(node, "y") == ('v1 = indices < 2;\n'
                                  'y = "F" if round(aggregate(select(v1, v1, ==) and '
                                  'select(indices, indices, <=), indicator(tokens == "a"))) > 0 else "T";\n')
    assert size == 2 + 2 + 2 + 4 + 1


def test_token_pair_membership_is_rasp_text():
    node = sops.Map("in", (sops.TOKENS["str"], ("(", "{")))
    text = to_text(node, "opens")
    assert text == 'opens = tokens in ["(", "{"];\n'
    assert rasp.run(rasp.evaluate(rasp.run_text(text), "opens"), list("({)")).values == \
        (True, True, False)


def shuffle_dyck(x):
    """Round and square brackets each balanced on their own, in any interleaving (the shuffle
    of two Dyck-1 languages): F once either type closes more than it opened, T where both are
    balanced, else P. Not one of the paper's tasks, and no block names it."""
    depth, out, broken = {"(": 0, "[": 0}, [], False
    for t in x:
        kind = {")": "(", "]": "["}.get(t, t)
        depth[kind] += 1 if t == kind else -1
        broken = broken or depth[kind] < 0
        out.append("F" if broken else "T" if not any(depth.values()) else "P")
    return out


SHUFFLE = ('v1 = tokens in ["(", ")"];\n'
           'v2 = select(indices, indices, <=);\n'
           'program = "F" if aggregate(select(indices, indices, <=), indicator(round(aggregate('
           'select(v1, v1, ==) and v2, indicator(tokens in [")", "]"]))) > 0)) > 0 else ("P" if '
           'round(aggregate(v2, indicator(tokens in ["(", "["]))) > 0 else "T");\n')


def test_a_bracket_task_outside_the_seven_is_found_from_an_examples_file(tmp_path, capsys):
    assert shuffle_dyck(list("([)]")) == list("PPPT")
    assert shuffle_dyck(list("(]")) == list("PF")
    task = tasks.Task("shuffle", shuffle_dyck, tuple("()[]"), walk=True)
    path = tmp_path / "shuffle.json"
    path.write_text(json.dumps([{"input": "".join(x), "output": y}
                                for x, y in task.examples(24)]))
    assert main(["rasp", "synth", "--examples", str(path), "--json", "--seconds", "60"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["program"], out["size"], out["examples"]["accuracy"]) == (SHUFFLE, 21, 1.0)
    # right on every input up to 5 brackets, beyond the examples
    program = rasp.evaluate(rasp.run_text(out["program"]), "program")
    inputs = list(task.all_inputs(5))
    assert len(inputs) == 1364
    assert all(list(rasp.run(program, x).values) == shuffle_dyck(list(x)) for x in inputs)


def test_of_rival_conditions_due_together_the_shorter_chain_is_taken():
    cases = _Cases(np.array(["T", "F", "F"], dtype=object), [3])
    long_x = sops.Map(">", (sops.Map("+", (sops.INDICES, sops.INDICES)), 1))      # 2i > 1
    short_x = sops.Map(">", (sops.INDICES, 0))
    due, _, first = cases.offer(B("011")[None], lambda row: (2, 3, long_x))
    due2, _, better = cases.offer(B("011")[None], lambda row: (2, 2, short_x))
    assert (due, due2) == (2, 2)
    assert to_text(first, "y") == 'y = "F" if indices + indices > 1 else "T";\n'
    assert to_text(better, "y") == 'y = "F" if indices > 0 else "T";\n'
    # a later condition does not compete with ones found at an earlier size
    assert cases.offer(B("011")[None], lambda row: (3, 1, sops.Map("<", (0, sops.INDICES)))) \
        is None


def test_dyck2_examples_are_more_and_longer_and_show_wrong_closes():
    dyck2 = tasks.task("dyck2")
    examples = dyck2.examples()
    assert (len(examples), max(len(x) for x, _ in examples)) == (96, 8)
    # some example's first error is a closer of the wrong type while a bracket is open
    def wrong_type_first(x, y):
        if "F" not in y:
            return False
        i = y.index("F")
        return sum(1 if t in "({" else -1 for t in x[:i]) > 0
    assert sum(wrong_type_first(x, y) for x, y in examples) == 27       # of 51 with an F
    assert len(tasks.task("dyck1").examples()) == 24
