"""RASP semantics: the paper's programs against plain-Python references, the value model
(numerical vs categorical, defaults, selector width), functions, load, errors, layers."""
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.dsl.rasp import apply, evaluate, layers, library, run_file, run_text, sops
from synth.dsl.rasp.semantics import Sequence
from synth.errors import ArityError, EvaluationError, NameError_, TypeError_

BOS = "§"


@pytest.fixture(scope="module")
def paper():
    return run_file(library.path("paper"))


def out(env, name, tokens):
    return list(apply(evaluate(env, name), tokens).values)


def run(text, name, tokens):
    return out(run_text(text), name, tokens)


# Plain-Python statements of what each paper program computes.

def hist(s):
    return [s.count(c) for c in s]


def hist_bos(s):
    return [0] + hist(s[1:])


def hist2_bos(s):
    counts = Counter(s[1:])
    return [0] + [sum(1 for t in counts if counts[t] == counts[c]) for c in s[1:]]


def sort_bos(s):
    return [s[0]] + sorted(s[1:])


def sort_by_most_freq(s, filler=BOS):
    counts = Counter(s[1:])
    distinct = sorted(dict.fromkeys(s[1:]), key=lambda t: -counts[t])  # stable: first occurrence
    return [s[0]] + distinct + [filler] * (len(s) - 1 - len(distinct))


def dyck_ptf(s, pairs):
    """Per prefix: F once it can no longer be balanced, T if balanced, P if still open."""
    closer_of = {p[0]: p[1] for p in pairs}
    stack, failed, result = [], False, []
    for c in s:
        if c in closer_of:
            stack.append(closer_of[c])
        elif c in closer_of.values():
            failed = failed or not stack or stack.pop() != c
        result.append("F" if failed else "T" if not stack else "P")
    return result


WORDS = ["hello", "a", "abracadabra", "aaaa", "xyz zyx", "the quick brown fox"]


@pytest.mark.parametrize("s", WORDS)
def test_reverse_and_hist_without_bos(paper, s):
    assert out(paper, "reverse", s) == list(reversed(s))
    assert out(paper, "hist_nobos", s) == hist(s)


@pytest.mark.parametrize("s", [BOS + w for w in WORDS])
def test_programs_with_bos(paper, s):
    assert out(paper, "hist_bos", s) == hist_bos(s)
    assert out(paper, "sort_bos", s) == sort_bos(s)
    assert out(paper, "hist2_bos", s) == hist2_bos(s)
    assert out(paper, "sort_by_most_freq", s) == sort_by_most_freq(s)


@pytest.mark.parametrize("s", ["()", ")(", "(()", "(())()", "())(()", "((((", "a(b)c", "()(()())((()))"])
def test_dyck1(paper, s):
    assert out(paper, "dyck1_ptf", s) == dyck_ptf(s, ["()"])


# Dyck-k inputs use only the k bracket pairs: the program's depth index counts every
# position, so other characters are not ignored (dyck1 has no depth index and ignores them).
@pytest.mark.parametrize("s", ["({})", "({)}", "{}()", "(((", "}{", "(}", "{(})", "(){}{()}"])
def test_dyck2(paper, s):
    assert out(paper, "dyck2_ptf", s) == dyck_ptf(s, ["()", "{}"])


@pytest.mark.parametrize("s", ["({}[])", "([)]", "[[{}]]", "[(])", "]", "{[()()]}[]"])
def test_dyck3(paper, s):
    assert out(paper, "dyck3_ptf", s) == dyck_ptf(s, ["()", "{}", "[]"])


@settings(max_examples=40, deadline=None)
@given(st.text("(){}", min_size=1, max_size=14))
def test_dyck2_on_random_strings(s):
    env = _PAPER_FOR_HYPOTHESIS
    assert out(env, "dyck2_ptf", s) == dyck_ptf(s, ["()", "{}"])


_PAPER_FOR_HYPOTHESIS = run_file(library.path("paper"))


def test_reference_repl_outputs(paper):
    """The outputs the reference REPL prints for its own tests (tech-srl/RASP tests/tgt/paper_examples.txt)."""
    assert out(paper, "hist_bos", "§hiya how are you doing there ey") == [
        0, 3, 2, 3, 2, 6, 3, 3, 1, 6, 2, 2, 4, 6, 3, 3, 1, 6, 1, 3, 2, 1, 1, 6, 1, 3, 4, 2, 4, 6, 4, 3]
    assert out(paper, "hist_nobos", "hiya howdy doodly doo") == [
        2, 1, 3, 1, 3, 2, 5, 1, 4, 3, 3, 4, 5, 5, 4, 1, 3, 3, 4, 5, 5]
    assert "".join(out(paper, "sort_bos", "§dfgfhfghDVSHRDFHdfsfsfegDGDFHDFG")) == \
        "§DDDDDFFFGGHHHRSVddeffffffggghhss"
    assert out(paper, "hist2_bos", "§dkdnvdlvnksmncksnsknvkjns") == [
        0, 2, 1, 2, 1, 2, 2, 4, 2, 1, 1, 1, 4, 1, 4, 1, 1, 1, 1, 1, 1, 2, 1, 4, 1, 1]
    assert "".join(out(paper, "sort_by_most_freq", "§dnv,dmnvs,alaadslksmvxlmvlskd")) == \
        "§dvslman,kx" + "§" * 19
    assert "".join(out(paper, "dyck1_ptf", "()(()())(((())(()(()))))((())((()()))(()))))(())((")) == \
        "PTPPPPPTPPPPPPPPPPPPPPPTPPPPPPPPPPPPPPPPPTFFFFFFFF"
    assert "".join(out(paper, "dyck2_ptf", "{{({(){}()})}({}){}{}}{(({}(){}))}{}(){}({}(){()(){}}){)()}")) == \
        "PPPPPPPPPPPPPPPPPPPPPTPPPPPPPPPPPTPTPTPTPPPPPPPPPPPPPTPFFFF"
    assert "".join(out(paper, "dyck3_ptf", "()[](){{}(){}[]}[[]]([]){}()(])[[]]{{}}()[]")) == \
        "PTPTPTPPPPPPPPPTPPPTPPPTPTPTPFFFFFFFFFFFFFF"


# The value model.

def test_aggregate_averages_numbers_copies_single_values_and_defaults():
    text = "x = aggregate(select(indices, indices, <), tokens_int);" \
           "y = aggregate(select(indices, indices, <), tokens_int, 9);" \
           "z = aggregate(select(indices, indices, >=), tokens_str);"   # keys at or after the query
    env = run_text(text)
    assert apply(evaluate(env, "x"), [4, 2, 3]) == Sequence((0, 4, 3.0), "float")
    assert list(apply(evaluate(env, "y"), [4, 2, 3]).values) == [9, 4, 3.0]
    with pytest.raises(TypeError_, match=r"<string>:1:\d+: aggregate averages 3 positions of a "
                                         r'categorical \(str\) sequence; found "a", "b", "c"'):
        apply(evaluate(env, "z"), "abc")
    assert apply(evaluate(run_text("x = aggregate(select(indices, indices, ==), tokens);"), "x"),
                 "abc") == Sequence(("a", "b", "c"), "str")


def test_categorical_aggregate_with_empty_rows_mixes_types():
    env = run_text("x = aggregate(select(indices, indices, <), tokens);")
    with pytest.raises(TypeError_, match="one type; found 0, \"a\""):   # row 0 gets the default 0
        apply(evaluate(env, "x"), "ab")


def test_bools_are_categorical_and_ints_numerical():
    env = run_text("b = tokens == \"a\"; i = indicator(b); m = aggregate(select(1, 1, ==), i);"
                   "bad = aggregate(select(1, 1, ==), b);")
    assert apply(evaluate(env, "b"), "ab") == Sequence((True, False), "bool")
    assert apply(evaluate(env, "i"), "ab").numerical
    assert not apply(evaluate(env, "b"), "ab").numerical
    assert list(apply(evaluate(env, "m"), "aab").values) == [2 / 3] * 3
    with pytest.raises(TypeError_, match="categorical \\(bool\\)"):
        apply(evaluate(env, "bad"), "ab")


def test_select_direction_and_selector_algebra():
    env = run_text("lt = select(indices, indices, <); eq = select(indices, 1, ==);"
                   "both = lt and not eq; either = lt or eq; w = selector_width(either);")
    m = apply(evaluate(env, "lt"), "abcd").matrix       # query q selects key k iff k < q
    assert m.tolist() == [[k < q for k in range(4)] for q in range(4)]
    assert apply(evaluate(env, "eq"), "abcd").matrix.tolist() == [[k == 1 for k in range(4)]] * 4
    assert apply(evaluate(env, "both"), "abcd").matrix.tolist() == \
        [[k < q and k != 1 for k in range(4)] for q in range(4)]
    assert out(env, "w", "abcd") == [sum(k < q or k == 1 for k in range(4)) for q in range(4)]


def test_elementwise_operations():
    env = run_text('n = tokens_int; a = n + 1; b = n * 2 - 1; c = n / 2; d = n % 3; e = n ^ 2;'
                   'f = round(n / 4); g = -n; h = not (n > 1); i = n > 1 and n < 4;'
                   'j = n == 1 or n == 4; k = "big" if n > 2 else "small"; l = n in [1, 3];'
                   's = tokens_str + "!"; t = 3 in n; u = indicator(n == 2); len_ = length;')
    tokens = [1, 2, 3, 4]
    expect = {"a": [2, 3, 4, 5], "b": [1, 3, 5, 7], "c": [0.5, 1.0, 1.5, 2.0], "d": [1, 2, 0, 1],
              "e": [1, 4, 9, 16], "f": [0, 0, 1, 1], "g": [-1, -2, -3, -4],
              "h": [True, False, False, False], "i": [False, True, True, False],
              "j": [True, False, False, True], "k": ["small", "small", "big", "big"],
              "l": [True, False, True, False], "s": ["1!", "2!", "3!", "4!"],
              "t": [True] * 4, "u": [0, 1, 0, 0], "len_": [4] * 4}
    for name, values in expect.items():
        assert out(env, name, tokens) == values, name


def test_indexing_sops_lists_and_strings():
    env = run_text('first = tokens[0]; last = tokens[-1]; w = "abc"[1]; l = [1, 2, 3][-1];'
                   'pairs = [p[0] + q for p, q in zip(["ab", "cd"], ["x", "y"])];'
                   'r = range(1, 7, 2); n = len(r);')
    assert out(env, "first", "hey") == ["h"] * 3
    assert out(env, "last", "hey") == ["y"] * 3
    assert [evaluate(env, x) for x in ("w", "l", "pairs", "r", "n")] == \
        ["b", 3, ("ax", "cy"), (1, 3, 5), 3]


def test_functions_closures_recursion_and_application():
    env = run_text("def add_later(x) { return x + later; }"
                   "later = 10;"
                   "def fact(n) { return 1 if n == 0 else n * fact(n - 1); }"
                   "def flip(seq) { s = select(indices, length - indices - 1, ==);"
                   "                return aggregate(s, seq); }"
                   "r = flip(tokens);")
    assert evaluate(env, "add_later(5)") == 15
    assert evaluate(env, "fact(6)") == 720
    assert evaluate(env, 'r("abc")') == ("c", "b", "a")
    assert evaluate(env, "select(indices, indices, ==)([0, 1])") == ((True, False), (False, True))
    with pytest.raises(ArityError, match="--expr:1:1: fact takes 1 argument; found 2"):
        evaluate(env, "fact(1, 2)")
    with pytest.raises(EvaluationError, match="recursion too deep"):
        run_text("def f(n) { return f(n + 1); } x = f(0);")


def test_tokens_can_be_reassigned_and_convert_the_input():
    assert run("tokens = tokens_int; y = tokens + 1;", "y", "123") == [2, 3, 4]
    assert run("y = tokens_float;", "y", [1, 2]) == [1.0, 2.0]
    assert run("y = tokens_bool;", "y", [0, 1]) == [False, True]
    with pytest.raises(EvaluationError, match="input: tokens_int: input token 1 is not an int; found 'x'"):
        run("y = tokens_int;", "y", "1x")


def test_load_imports_public_names_beside_the_file_then_the_library(tmp_path):
    (tmp_path / "helpers.rasp").write_text("_private = 1; twice = tokens_int * 2;\n"
                                           "def shifted(x) { return x + _private; }\n")
    (tmp_path / "main.rasp").write_text('load "helpers"; load "paper.rasp";\n'
                                        "y = shifted(twice);\n")
    env = run_file(tmp_path / "main.rasp")
    assert out(env, "y", "123") == [3, 5, 7]
    assert out(env, "reverse", "abc") == ["c", "b", "a"]     # from synth's library
    with pytest.raises(NameError_, match="main.rasp:1:1: undefined name '_private'"):
        evaluate(env, "_private", file=str(tmp_path / "main.rasp"))
    (tmp_path / "a.rasp").write_text('load "b";')
    (tmp_path / "b.rasp").write_text('x = 1;\nload "a";')
    with pytest.raises(NameError_, match=r"b.rasp:2:1: load cycle: a.rasp is already being loaded"):
        run_file(tmp_path / "a.rasp")
    (tmp_path / "c.rasp").write_text('load "nowhere";')
    with pytest.raises(NameError_, match=r"c.rasp:1:1: cannot load 'nowhere'"):
        run_file(tmp_path / "c.rasp")


@pytest.mark.parametrize("text, error, message", [
    ("x = y + 1;", NameError_, "<string>:1:5: undefined name 'y'"),
    ("x = aggregate(tokens, tokens);", TypeError_,
     "<string>:1:15: aggregate's first argument must be a selector; found an s-op"),
    ("x = select([1], indices, ==);", TypeError_,
     "<string>:1:12: select's keys must be an s-op or an atom; found a list"),
    ("x = tokens and select(indices, indices, ==);", TypeError_,
     "<string>:1:5: cannot apply 'and' to an s-op and a selector"),
    ("x = select(indices, indices, ==) + 1;", TypeError_, "<string>:1:5: cannot apply '+'"),
    ("x = aggregate(select(indices, indices, ==), tokens, tokens);", TypeError_,
     "<string>:1:53: aggregate's default must be an atom; found an s-op"),
    ("x = indicator(1);", TypeError_, "<string>:1:15: indicator takes an s-op; found the number 1"),
    ('x = "a" + 1;', TypeError_, "<string>:1:5: cannot apply '+' to the string \"a\" and the number 1"),
    ("x = 1 / 0;", EvaluationError, "<string>:1:5: '/' failed; found division by zero"),
    ("x = [1, 2][5];", EvaluationError, "<string>:1:5: index 5 out of range for a length-2 list"),
    ("x = aggregate;", TypeError_, "<string>:1:5: aggregate is a built-in function: call it"),
    ("x = 1(2);", TypeError_, "<string>:1:5: only functions, s-ops and selectors can be called"),
    ("x = tokens in tokens;", TypeError_, "'s-op in X' needs X to be a list of atoms"),
    ("x = range(10000000);", EvaluationError, "range of 10000000 numbers"),
])
def test_type_and_name_errors_are_located(text, error, message):
    with pytest.raises(error) as info:
        run_text(text)
    assert message in str(info.value)


def test_runtime_errors_are_located():
    with pytest.raises(EvaluationError, match=r"<string>:1:5: elementwise '/' failed; found division by zero"):
        run("x = 1 / indices;", "x", "ab")
    with pytest.raises(TypeError_, match=r"<string>:1:5: elementwise '<' on values of the wrong type"):
        run("x = tokens_asis < 1;", "x", ["a"])
    with pytest.raises(TypeError_, match=r"<string>:1:5: a sequence's values must all have one type"):
        run('x = tokens_str if indices == 0 else 1;', "x", "ab")
    with pytest.raises(EvaluationError, match="non-empty input"):
        run("x = indices;", "x", "")


# Layers and heads, derived by hand from the rules in analysis.py.

@pytest.mark.parametrize("name, count, heads", [
    ("hist_bos", 1, (1,)),            # one with-BOS width head
    ("hist_nobos", 1, (1,)),          # selector_width: one head (+MLP)
    ("reverse", 2, (1, 1)),           # length (full attention), then the flip
    ("sort_bos", 2, (1, 1)),          # position among smaller keys, then the move
    ("hist2_bos", 2, (2, 1)),         # hist and has-earlier side by side, then the width
    ("sort_by_most_freq", 3, (2, 1, 1)),
    ("dyck1_ptf", 2, (1, 1)),         # one prefix head for both counts, then the failure test
    ("dyck2_ptf", 4, (1, 1, 1, 1)),   # the REPL's rasplib says 1/2/1/1: its width needs 2 heads
    ("tokens == \"a\"", 0, ()),
])
def test_layers_of_the_paper_programs(paper, name, count, heads):
    result = layers(evaluate(paper, name))
    assert (result.count, result.heads) == (count, heads)


def test_heads_are_distinct_selectors():
    env = run_text("s = select(indices, indices, <=);"
                   "shared = aggregate(s, tokens_int) + aggregate(s, indicator(tokens_int == 1));"
                   "twice = aggregate(select(indices, indices, <=), tokens_int)"
                   "      + aggregate(select(indices, indices, <=), tokens_int);"
                   "deep = aggregate(s, aggregate(s, tokens_int));")
    assert layers(evaluate(env, "shared")).heads == (1,)
    assert layers(evaluate(env, "twice")).heads == (2,)
    assert layers(evaluate(env, "deep")).heads == (1, 1)
    assert layers(evaluate(env, "s")).to_json() == {"layers": 1, "heads": [1], "max_heads": 1}
    with pytest.raises(TypeError_, match="only s-ops and selectors have layers; found a list"):
        layers(evaluate(env, "[1]"))


def test_deep_programs_do_not_hit_the_recursion_limit():
    text = "x = indices;" + "x = x + 1;" * 3000 + "y = aggregate(select(x, x, ==), tokens_int);"
    env = run_text(text)
    assert out(env, "x", "12") == [3000, 3001]
    assert layers(evaluate(env, "y")).count == 1
    assert isinstance(evaluate(env, "y"), sops.Aggregate)
    assert np.array_equal(apply(evaluate(env, "select(x, x, ==)"), "12").matrix, np.eye(2, dtype=bool))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from("ab()"), min_size=1, max_size=12))
def test_agrees_with_tracrs_evaluator(tokens):
    """The same programs written with tracr's RASP API evaluate to exactly the same outputs."""
    tracr_lib = pytest.importorskip("tracr.compiler.lib")
    from tracr.rasp import rasp as tracr
    env = run_text("tokens = tokens_asis;"
                   "reverse = aggregate(select(indices, length - indices - 1, ==), tokens);"
                   "hist = selector_width(select(tokens, tokens, ==));"
                   'frac_open = aggregate(select(indices, indices, <=), indicator(tokens == "("));')
    for name, theirs in (("reverse", tracr_lib.make_reverse(tracr.tokens)),
                         ("hist", tracr_lib.make_hist()),
                         ("frac_open", tracr_lib.make_frac_prevs(tracr.tokens == "("))):
        assert out(env, name, tokens) == tracr.evaluate(theirs, tokens), name
