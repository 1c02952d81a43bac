"""RASP compiled to transformer weights: every compiled model is checked against the
interpreter on every input up to the maximum length (compile raises on any disagreement), and
the layouts have the layers and heads the longest-path placement gives."""
import json

import numpy as np
import pytest

from synth import rasp
from synth.cli import EXIT_BAD_INPUT, main
from synth.dsl.rasp import evaluate, library, run_file, run_text
from synth.errors import SynthError

PAPER = str(library.path("paper"))

SOURCE = """
reverse = aggregate(select(indices, length - indices - 1, ==), tokens);
hist = selector_width(select(tokens, tokens, ==));
sort_unique = aggregate(select(selector_width(select(tokens, tokens, <)), indices, ==), tokens);
frac_a = aggregate(select(indices, indices, <=), indicator(tokens == "a"));
running_mean = aggregate(select(indices, indices, <=), tokens_int);
prev_same = aggregate(select(tokens, tokens, ==) and select(indices, indices, <), indices, -1);
count_earlier_same = selector_width(select(tokens, tokens, ==) and not select(indices, indices, >=));
shift = aggregate(select(indices, indices + 1, ==), tokens, "_");
"""


@pytest.fixture(scope="module")
def env():
    return run_text(SOURCE)


def compiled(env, name, vocab="abc", max_len=5):
    return rasp.compile(evaluate(env, name), vocab, max_len).to_json()


@pytest.mark.parametrize("name, layers, heads, width, params, checked, undefined", [
    ("length", 1, [1], 4, 163, 363, 0),                 # selector width without a user BOS
    ("reverse", 2, [1, 1], 24, 3511, 363, 0),
    ("hist", 1, [1], 7, 305, 363, 0),
    # duplicate tokens make the categorical aggregate average text: no RASP meaning
    ("sort_unique", 2, [1, 1], 20, 1171, 15, 348),
    ("frac_a", 1, [1], 9, 216, 363, 0),                  # the indicator is an embedding row
    ("prev_same", 1, [1], 12, 360, 363, 0),             # and of two selects, default -1
    ("count_earlier_same", 1, [1], 12, 635, 363, 0),    # and/not inside selector width
    ("shift", 1, [1], 18, 468, 363, 0),                 # categorical aggregate with a default
])
def test_compiled_models_agree_with_the_interpreter_on_every_input(
        env, name, layers, heads, width, params, checked, undefined):
    assert compiled(env, name) == {
        "layers": layers, "heads": heads, "residual_width": width, "params": params,
        "verified_inputs": checked, "undefined_inputs": undefined, "verification": "exhaustive"}


# tracr's library programs (tracr/compiler/lib.py) in RASP, from synth's library file that
# benchmarks/rasp_compile.py also compiles (beside tracr's own).
TRACR = str(library.path("tracr"))


@pytest.mark.parametrize("name, vocab, max_len, layers, heads, width, params, checked", [
    ("make_sort(tokens_int, tokens_int, 4, 1)", "123", 4, 3, [0, 1, 1], 29, 2602, 120),
    ("make_sort_freq(4)", "abc", 4, 3, [1, 1, 1], 39, 6558, 120),
    ("pair_balance", "()", 5, 1, [2], 12, 544, 62),
    ("shuffle_dyck", "()", 5, 3, [3, 0, 2], 27, 3781, 62),
    ("shuffle_dyck2", "(){}", 4, 4, [5, 0, 0, 2], 34, 6092, 340),
    ("count_less_freq", "abc", 4, 2, [1, 1], 10, 502, 120),
    ("detect_pattern", "abc", 4, 1, [2], 27, 2376, 120),
])
def test_tracr_library_programs_compile_and_agree(name, vocab, max_len, layers, heads, width,
                                                  params, checked):
    model = rasp.compile(evaluate(run_file(TRACR), name), vocab, max_len)
    assert (model.compiled.layers, model.compiled.heads_per_layer, model.compiled.width,
            rasp.parameter_count(model.params), model.verification.checked,
            model.verification.exhaustive) == (layers, heads, width, params, checked, True)


def test_numerical_mean_of_non_binary_values(env):
    # running means of 0..3: 4 + 16 + ... + 1024 = 1364 inputs
    assert compiled(env, "running_mean", "0123", 5)["verified_inputs"] == 1364


def test_paper_programs():
    env = run_text('load "paper";')
    assert compiled(env, "hist_nobos") == compiled(run_text(SOURCE), "hist")
    dyck1 = rasp.compile(evaluate(env, "dyck1_ptf"), "()", 6)
    # round((i+1)*mean) - round(...) is no affine map of the two means but a sum of one
    # staircase each (layer-1 MLP); the final if-chain waits only for prev_imbalances (layer 3)
    assert (dyck1.compiled.layers, dyck1.compiled.heads_per_layer) == (3, [1, 0, 1])
    assert (dyck1.verification.checked, dyck1.verification.exhaustive) == (126, True)


def test_sampling_when_there_are_too_many_inputs(env):
    model = rasp.compile(evaluate(env, "hist"), "abc", 5, limit=100, samples=50)
    assert (model.verification.checked, model.verification.method) == (50, "sampled 50 of 363")


def test_a_wrong_weight_is_caught(env):
    sop = evaluate(env, "hist")
    model = rasp.compile(sop, "abc", 4)
    broken = dict(model.params, layers=[dict(model.params["layers"][0], mlp=dict(
        model.params["layers"][0]["mlp"], b1=model.params["layers"][0]["mlp"]["b1"] + 0.7))])
    with pytest.raises(rasp.CompileError, match="disagrees with the interpreter"):
        rasp.verify(sop, model.compiled, broken)


def test_or_across_different_sops_uses_tuple_spaces():
    # select(tokens, tokens, ==) or select(indices, 0, ==): keys (tokens, indices) and queries
    # (tokens, 0) become one s-op each, built by a layer-1 MLP; the head is in layer 2
    env = run_text('load "paper";')
    model = rasp.compile(evaluate(env, "hist_bos"), "§ab", 4)
    assert (model.compiled.layers, model.compiled.heads_per_layer) == (2, [0, 1])
    assert (model.verification.checked, model.verification.exhaustive) == (120, True)
    model = rasp.compile(evaluate(env, "sort_bos"), "§ab", 4)
    assert (model.compiled.layers, model.compiled.heads_per_layer, model.verification.checked) \
        == (3, [0, 1, 1], 120)


PRODUCT = "aggregate(select(indices, indices, <=), tokens_int) * aggregate(select(indices, indices, >=), tokens_int)"


def test_a_comparison_of_two_means_is_their_difference_compared(env):
    # x < y -> (x - y) < 0: the difference in a layer-1 MLP, the comparison in layer 2's
    sop = evaluate(env, PRODUCT.replace(" * ", " < "))
    model = rasp.compile(sop, "12", 4)
    assert (model.compiled.layers, model.compiled.heads_per_layer) == (2, [2, 0])
    assert (model.verification.checked, model.verification.exhaustive) == (30, True)


def test_a_product_of_two_means_is_a_lookup_table(env):
    # no affine map, no sum: one mean is made one-hot (layer-1 MLP), the other stays a number
    # and the table (a staircase per row) is layer 2's MLP
    model = rasp.compile(evaluate(env, PRODUCT), "12", 3)
    assert (model.compiled.layers, model.compiled.heads_per_layer) == (2, [2, 0])
    assert (model.verification.checked, model.verification.exhaustive) == (14, True)


def test_a_quotient_of_two_widths_is_a_lookup_table():
    # double_hist as synthesis finds it: the count of positions with the same count over the
    # count; the first width is one-hot already (the second select reads it), so the division
    # joins the second width's MLP and the model keeps the two layers of its two heads
    env = run_text("v1 = selector_width(select(tokens, tokens, ==));\n"
                   "double_hist = selector_width(select(v1, v1, ==)) / v1;")
    model = rasp.compile(evaluate(env, "double_hist"), "abcd", 5)
    assert (model.compiled.layers, model.compiled.heads_per_layer) == (2, [1, 1])
    assert (model.verification.checked, model.verification.exhaustive) == (1364, True)


PRODUCT3 = PRODUCT + " * aggregate(select(indices, indices, ==), tokens_int)"


def test_a_table_over_too_many_combinations_is_refused(env):
    with pytest.raises(rasp.CompileError, match="no affine map, no sum of one function of "
                                                "each, and its table is too large; found 50653"):
        rasp.compile(evaluate(env, PRODUCT3), "0123456789", 3)


def synth(capsys, *argv):
    code = main(["rasp", "compile", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_json_and_saved_weights(capsys, tmp_path):
    weights = tmp_path / "w.npz"
    code, out, err = synth(capsys, PAPER, "--expr", "reverse", "--vocab", "abc", "--max-len", "4",
                           "--json", "--save", str(weights))
    assert (code, err) == (0, "")
    assert json.loads(out) == {"layers": 2, "heads": [1, 1], "residual_width": 21, "params": 2199,
                               "verified_inputs": 120, "undefined_inputs": 0,
                               "verification": "exhaustive"}
    saved = np.load(weights)
    assert saved["token_embed"].shape == (4, 21) and saved["layer2/attn/w_q"].shape == (21, 1, 5)
    assert json.loads(str(saved["layout"]))["output"]["values"] == ["a", "b", "c"]


def test_cli_text(capsys):
    code, out, _ = synth(capsys, PAPER, "--expr", "hist_nobos", "--vocab", "ab", "--max-len", "3")
    assert (code, out) == (0, "1 layer (heads per layer: 1), residual width 6, 181 parameters; "
                              "agrees with the interpreter on 14 inputs (exhaustive)\n")


def test_cli_errors_are_one_line(capsys):
    code, out, err = synth(capsys, PAPER, "--expr", PRODUCT3, "--vocab", "0123456789",
                           "--max-len", "3")
    assert (code, out, err) == (EXIT_BAD_INPUT, "", "synth: error: --expr:1:1: an elementwise "
                                "operation of several numerical s-ops is no affine map, no sum of "
                                "one function of each, and its table is too large; found 50653 "
                                "combinations\n")
    code, _, err = synth(capsys, PAPER, "--expr", "select(indices, indices, ==)", "--vocab", "ab",
                         "--max-len", "3")
    assert (code, err) == (EXIT_BAD_INPUT, "synth: error: only an s-op compiles to a model; found a selector\n")
    code, _, err = synth(capsys, PAPER, "--expr", "tokens", "--vocab", "ab", "--max-len", "0")
    assert code == EXIT_BAD_INPUT and "maximum length >= 1" in err


def random_sop(rng, depth):
    """A random RASP s-op expression over tokens, indices and length (vocabulary "ab")."""
    if depth == 0:
        return rng.choice(["tokens", "indices", "length", 'tokens == "a"', "indices + 1"])
    k, sub = rng.random(), lambda: random_sop(rng, depth - 1)
    if k < 0.3:
        value = rng.choice([sub(), 'indicator(tokens == "a")', "indices", "tokens"])
        return f"aggregate({random_selector(rng, depth - 1)}, {value}{rng.choice(['', ', 0', ', 1'])})"
    if k < 0.45:
        return f"selector_width({random_selector(rng, depth - 1)})"
    if k < 0.65:
        return f"({sub()} {rng.choice(['+', '-', '=='])} {rng.choice(['1', sub()])})"
    if k < 0.8:
        return f"indicator({sub()} == {rng.choice('012')})"
    return sub()


def random_selector(rng, depth):
    def one():
        op = rng.choice(["==", "<", "<=", "!=", ">"])
        return f"select({random_sop(rng, depth)}, {random_sop(rng, depth)}, {op})"
    return rng.choice([one, lambda: f"({one()} and {one()})", lambda: f"({one()} or {one()})",
                       lambda: f"(not {one()})"])()


def test_random_programs_compile_to_agreeing_models_or_are_refused_in_one_line():
    import random
    rng, outcomes = random.Random(0), {"compiled": 0, "refused": 0}
    base = run_text("x = 1;")
    while sum(outcomes.values()) < 12:
        try:
            sop = evaluate(base, random_sop(rng, rng.randint(1, 3)))
        except SynthError:                      # e.g. "a" - 1 among atoms: not a program
            continue
        try:
            rasp.compile(sop, "ab", 3)          # raises on any disagreement with the interpreter
            outcomes["compiled"] += 1
        except rasp.CompileError as e:
            assert "disagrees" not in str(e) and "\n" not in str(e)
            outcomes["refused"] += 1
    assert outcomes == {"compiled": 12, "refused": 0}
