"""Synthesis of einsum/einops programs from input/output examples."""
from __future__ import annotations

import itertools
import string

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.einsum import einsum, format, normalize, parse
from synth.einsum import candidates as candidates_module
from synth.einsum.candidates import Signature, candidates
from synth.einsum.prune import Marginals
from synth.einsum.synthesize import Example, Found, NotFound, checked, load_example, synthesize
from synth.errors import ExampleError

RNG = np.random.default_rng(0)


def rand(*shape):
    return RNG.standard_normal(shape)


def found(inputs, output, **kw) -> str:
    result = synthesize([(inputs, output)], **kw)
    assert isinstance(result, Found), result
    return format(result.program)


# --- exact programs for small tasks ---------------------------------------------------------------

def test_transpose():
    a = rand(3, 4)
    assert found([a], a.T) == "ab->ba"


def test_matmul():
    a, b = rand(3, 4), rand(4, 5)
    assert found([a, b], a @ b) == "ab,bc->ac"


def test_batch_matmul_and_attention_scores():
    a, b = rand(2, 3, 4), rand(2, 4, 5)
    assert found([a, b], a @ b) == "abc,acd->abd"
    q, k = rand(2, 3, 4, 6), rand(2, 3, 5, 6)
    assert found([q, k], q @ np.swapaxes(k, -1, -2)) == "abcd,abed->abce"


def test_trace_and_diagonal():
    a = rand(4, 4)
    assert found([a], np.trace(a)) == "aa->"
    assert found([a], np.diagonal(a)) == "aa->a"


def test_outer_product():
    a, b = rand(3), rand(4)
    assert found([a, b], np.outer(a, b)) == "a,b->ab"


def test_sum_and_other_reductions():
    a = rand(3, 4)
    assert found([a], a.sum(axis=1)) == "ab->a"
    assert found([a], a.mean(axis=1)) == "reduce(a b -> a, mean)"
    assert found([a], a.max(axis=0)) == "reduce(a b -> b, max)"


def test_axis_merge_and_split():
    a = rand(2, 3, 4)
    assert found([a], a.reshape(2, 12)) == "rearrange(a b c -> a (b c))"
    b = rand(6, 5)
    assert found([b], b.reshape(2, 3, 5)) == "rearrange((a b) c -> a b c, a=2)"
    heads = rand(2, 5, 12)
    assert found([heads], heads.reshape(2, 5, 3, 4).transpose(0, 2, 1, 3)) == "rearrange(a b (c d) -> a c b d, c=3)"


def test_pooling_repeat_and_kron():
    image = rand(2, 4, 6, 3)
    assert found([image], image.reshape(2, 2, 2, 3, 2, 3).max(axis=(2, 4))) == \
        "reduce(a (b c) (d e) f -> a b d f, max, b=2, e=2)"
    a = rand(3, 4)
    assert found([a], np.repeat(a[:, :, None], 5, axis=2)) == "repeat(a b -> a b c, c=5)"
    assert found([a], np.tile(a, (2, 1))) == "repeat(a b -> (c a) b, c=2)"
    b = rand(4, 5)
    assert found([a, b], np.kron(a, b)) == "a b, c d -> (a c) (b d)"


def test_split_shared_across_operands():
    """Attention output with heads merged in v and in the result: the split (h d) of v is merged
    back as it was, which is not a no-op since h is shared with the other operand."""
    p, v = rand(2, 3, 4, 4), rand(2, 4, 12)
    expected = np.einsum("bhij,bjhd->bihd", p, v.reshape(2, 4, 3, 4)).reshape(2, 4, 12)
    assert found([p, v], expected) == "a b c d, a d (b e) -> a c (b e)"
    q, k = rand(2, 4, 6), rand(2, 5, 6)
    scores = np.einsum("bihd,bjhd->bhij", q.reshape(2, 4, 2, 3), k.reshape(2, 5, 2, 3))
    assert found([q, k], scores) == "einsum(a b (c d), a e (c d) -> a c b e, c=2)"


def test_equal_sizes_everywhere():
    """Shapes prune nothing here; the marginals do."""
    mats = [rand(3, 3) for _ in range(4)]
    assert found(mats, mats[0] @ mats[1] @ mats[2] @ mats[3]) == "ab,bc,cd,de->ae"
    q, k = rand(3, 3, 3, 3), rand(3, 3, 3, 3)
    assert found([q, k], np.einsum("bhid,bhjd->bhij", q, k)) == "abcd,abed->abce"


def test_tiny_results_are_not_confused():
    """Products of many entries are tiny; a wrong candidate's tiny result must not hide the right one's."""
    a = rand(2, 3, 4, 2) * 0.1
    assert np.abs(a.prod(axis=(0, 1, 2))).max() < 1e-15
    assert found([a], a.prod(axis=(0, 1, 2))) == "reduce(a b c d -> d, prod)"


def test_integer_and_float32_examples():
    a = RNG.integers(-5, 5, (3, 4))
    b = RNG.integers(-5, 5, (4, 2))
    assert found([a, b], a @ b) == "ab,bc->ac"
    x, y = rand(6, 7).astype(np.float32), rand(7, 5).astype(np.float32)
    assert found([x, y], x @ y) == "ab,bc->ac"


def test_found_program_round_trips_and_reports_its_work():
    a = rand(3, 4)
    result = synthesize([([a], a.mean(axis=1))])
    assert parse(format(result.program)) == result.program
    assert (result.candidates_tried, result.verified_examples) == (2, 1)   # ab->a, then the mean


# --- nothing found ---------------------------------------------------------------------------------

def test_no_einsum_solution_exhausts_the_space():
    a = rand(3, 4)
    result = synthesize([([a], a + 1)], timeout=10.0)
    assert isinstance(result, NotFound)
    assert "search space exhausted" in result.reason


def test_timeout_gives_not_found():
    a, b = rand(3, 3), rand(3, 3)
    result = synthesize([([a, b], a @ b)], timeout=0.0)
    assert isinstance(result, NotFound) and result.reason == "timed out after 0 s"


def test_outputs_outside_the_dsl_are_never_claimed():
    a, b, c = rand(3, 4), rand(4, 5), rand(5)
    assert isinstance(synthesize([([a, b, c], a @ b + c)]), NotFound)
    assert isinstance(synthesize([([a], np.cumsum(a, axis=1))]), NotFound)


# --- several examples ------------------------------------------------------------------------------

def test_second_example_disambiguates_transpose():
    s = rand(3, 3)
    symmetric = s + s.T            # identity and transpose agree on it
    assert found([symmetric], symmetric.T) == "ab->ab"
    other = rand(3, 3)
    result = synthesize([([symmetric], symmetric.T), ([other], other.T)])
    assert format(result.program) == "ab->ba" and result.verified_examples == 2


def test_second_example_disambiguates_reduction():
    one_per_row = np.array([[0, 3, 0], [5, 0, 0]])        # sum and max agree on it
    assert found([one_per_row], one_per_row.max(axis=1)) == "ab->a"
    other = np.array([[1, 2, 0], [0, 4, 4]])
    result = synthesize([([one_per_row], one_per_row.max(axis=1)), ([other], other.max(axis=1))])
    assert format(result.program) == "reduce(a b -> a, max)"


def test_tiles_of_varying_size():
    small, large = rand(3, 4), rand(4, 4)
    result = synthesize([([small], np.tile(small, (2, 1))), ([large], np.tile(large, (2, 1)))])
    assert format(result.program) == "repeat(a b -> (c a) b, c=2)"


def test_split_sizes_may_vary_across_examples():
    small, large = rand(6, 5), rand(8, 5)
    result = synthesize([([small], small.reshape(2, 3, 5)), ([large], large.reshape(2, 4, 5))])
    assert format(result.program) == "rearrange((a b) c -> a b c, a=2)"


# --- malformed examples ----------------------------------------------------------------------------

def test_different_numbers_of_inputs():
    with pytest.raises(ExampleError, match="example 1: 1 inputs, but example 0 has 2"):
        synthesize([([rand(2), rand(2)], rand(2)), ([rand(2)], rand(2))])


def test_different_ranks_across_examples():
    with pytest.raises(ExampleError, match="example 1: input0 has 1 axes, but in example 0 it has 2"):
        checked([([rand(2, 2)], rand(2)), ([rand(2)], rand(2))])
    with pytest.raises(ExampleError, match="example 1: output has 2 axes"):
        checked([([rand(2)], rand(2)), ([rand(2)], rand(2, 1))])


def test_no_examples_no_inputs_not_numbers():
    with pytest.raises(ExampleError, match="no examples"):
        synthesize([])
    with pytest.raises(ExampleError, match="example 0: an example without inputs"):
        synthesize([([], rand(2))])
    with pytest.raises(ExampleError, match="input0 is not numeric; found <U1"):
        synthesize([([np.array(["a", "b"])], rand(2))])
    with pytest.raises(ExampleError, match="example 0 is not an"):
        synthesize([rand(2)])


def test_load_example(tmp_path):
    a = rand(2, 3)
    np.savez(tmp_path / "ok.npz", input0=a, output=a.T)
    example = load_example(tmp_path / "ok.npz")
    assert np.array_equal(example.inputs[0], a) and np.array_equal(example.output, a.T)
    np.savez(tmp_path / "no_output.npz", input0=a)
    with pytest.raises(ExampleError, match=r"no_output.npz: no array named 'output'; found input0"):
        load_example(tmp_path / "no_output.npz")
    np.savez(tmp_path / "gap.npz", input0=a, input2=a, output=a)
    with pytest.raises(ExampleError, match="unexpected array names; found input0, input2, output; "
                                          "expected input0, input1, output"):
        load_example(tmp_path / "gap.npz")
    (tmp_path / "text.npz").write_text("not a zip")
    with pytest.raises(ExampleError, match="text.npz: cannot read the examples"):
        load_example(tmp_path / "text.npz")
    with pytest.raises(ExampleError, match="missing.npz: no such file"):
        load_example(tmp_path / "missing.npz")


# --- the enumerator and the pruner -----------------------------------------------------------------

@st.composite
def signatures(draw):
    """Two examples' worth of shapes: 1-2 inputs of rank 0-3, an output of rank 0-3."""
    sizes = st.sampled_from([1, 2, 3, 4, 6])
    ranks = draw(st.lists(st.integers(0, 3), min_size=1, max_size=2))
    inputs = [[tuple(draw(sizes) for _ in range(r))] for r in ranks]
    for shapes in inputs:       # the second example: the same shape, or one axis doubled
        shape = list(shapes[0])
        if shape and draw(st.booleans()):
            shape[draw(st.integers(0, len(shape) - 1))] *= 2
        shapes.append(tuple(shape))
    output = tuple(draw(sizes) for _ in range(draw(st.integers(0, 3))))
    return [tuple(s[e] for s in inputs) for e in range(2)], [output, output]


@settings(max_examples=60, deadline=None)
@given(signatures())
def test_every_candidate_is_well_formed(shapes):
    """Each candidate round-trips, its Bound is normalize's, and it maps every example's shapes."""
    input_shapes, output_shapes = shapes
    signature = Signature.of(input_shapes, output_shapes)
    for expr, bound in itertools.islice(candidates(signature, max_cost=6), 200):
        assert parse(format(expr)) == expr
        assert normalize(expr, *input_shapes[0]) == bound
        for inputs, output in zip(input_shapes, output_shapes):
            arrays = [np.ones(s) for s in inputs]
            assert einsum(expr, *arrays).shape == output


@st.composite
def piece_sets(draw):
    """Pieces of 1-3 operands (some axes split in two), sizes 2 or 3, and a cost budget."""
    pieces = []
    for operand in range(draw(st.integers(1, 3))):
        for axis in range(draw(st.integers(0, 3))):
            for _ in range(draw(st.sampled_from([1, 1, 2]))):
                pieces.append(candidates_module._Piece(operand, axis, (draw(st.sampled_from([2, 3])),)))
    return pieces[:7], draw(st.integers(0, 3))


@settings(max_examples=150, deadline=None)
@given(piece_sets())
def test_partitions_are_the_brute_force_ones_in_order(task):
    """Every restricted-growth sequence that obeys the sharing rules within the budget, by number
    of indices then lexicographically: the definition the enumerator's single loop implements."""
    pieces, budget = task
    n = len(pieces)

    def sequences(prefix):
        if len(prefix) == n:
            yield tuple(prefix)
            return
        for b in range(max(prefix, default=-1) + 2):
            yield from sequences(prefix + [b])

    def allowed(a, b):
        if a.sizes != b.sizes:
            return False
        whole = lambda p: sum((q.operand, q.axis) == (p.operand, p.axis) for q in pieces) == 1  # noqa: E731
        return a.operand != b.operand or (a.axis != b.axis and whole(a) and whole(b))

    expected = []
    for seq in sequences([]):
        blocks = [[pieces[i] for i in range(n) if seq[i] == b] for b in set(seq)]
        if not all(allowed(x, y) for block in blocks for x, y in itertools.combinations(block, 2)):
            continue
        cost = sum(candidates_module.DIAGONAL * (len(block) - len({p.operand for p in block}))
                   + candidates_module.SHARED * (len(block) >= 3) for block in blocks)
        if cost <= budget:
            expected.append((len(blocks), seq, cost))
    expected.sort()
    got = list(candidates_module._partitions(pieces, budget, stop=lambda: False))
    assert got == [(seq, cost) for _, seq, cost in expected]


def test_candidates_come_cheapest_first_and_skip_undone_splits():
    """All there is for a 3x4 input and a 4x3 output: the transpose, then the transpose that also
    swaps the halves of the 4-axis; splitting it and merging it back in order is not offered."""
    signature = Signature.of([((3, 4),)], [(4, 3)])
    assert [format(c.expr) for c in candidates(signature)] == \
        ["ab->ba", "rearrange(a (b c) -> (c b) a, b=2)"]


@st.composite
def contractions(draw):
    """A random NumPy einsum over 2-3 operands (diagonals allowed) and its operands; sizes may coincide.

    (Four operands whose ten axes all have size 2 can take a minute: see ARCHITECTURE.md.)
    """
    letters = string.ascii_lowercase[:5]
    count = draw(st.integers(2, 3))
    operands = [draw(st.lists(st.sampled_from(letters), min_size=1, max_size=3)) for _ in range(count)]
    used = sorted(set(itertools.chain(*operands)))
    output = draw(st.permutations(used))[:draw(st.integers(0, min(3, len(used))))]
    size = {c: draw(st.sampled_from([2, 3, 4])) for c in used}
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal([size[c] for c in op]) for op in operands]
    return ",".join("".join(op) for op in operands) + "->" + "".join(output), arrays


@settings(max_examples=40, deadline=None)
@given(contractions())
def test_random_contractions_are_found(task):
    """Whatever the contraction, some program reproducing it is found (the pruner never loses it)."""
    text, arrays = task
    expected = np.einsum(text, *arrays)
    result = synthesize([(arrays, expected)], timeout=60.0)
    assert isinstance(result, Found), (text, result)
    assert np.allclose(einsum(result.program, *arrays), expected)


def _merge_adjacent(draw, a: np.ndarray) -> np.ndarray:
    """`a` with two adjacent axes merged into one, or as it is when it has fewer than two."""
    if a.ndim < 2:
        return a
    at = draw(st.integers(0, a.ndim - 2))
    return a.reshape(a.shape[:at] + (a.shape[at] * a.shape[at + 1],) + a.shape[at + 2:])


@st.composite
def grouped_contractions(draw):
    """A random contraction given with two axes of an operand without diagonals merged (to be
    split again), its output perhaps merged too."""
    text, arrays = draw(contractions())
    expected = np.einsum(text, *arrays)
    plain = [k for k, op in enumerate(text.split("->")[0].split(",")) if len(set(op)) == len(op)]
    if plain:
        k = draw(st.sampled_from(plain))
        arrays[k] = _merge_adjacent(draw, arrays[k])
    if draw(st.booleans()):
        expected = _merge_adjacent(draw, expected)
    return arrays, expected


@settings(max_examples=30, deadline=None)
@given(grouped_contractions())
def test_random_contractions_with_merged_axes_are_found(task):
    arrays, expected = task
    result = synthesize([(arrays, expected)], timeout=60.0)
    assert isinstance(result, Found), ([a.shape for a in arrays], expected.shape, result)
    assert np.allclose(einsum(result.program, *arrays), expected)


@st.composite
def reshapes(draw):
    """A random input and its image: transposed, perhaps reduced over some axes, two adjacent axes
    perhaps merged (computed with plain NumPy)."""
    shape = draw(st.lists(st.sampled_from([2, 3, 4, 5]), min_size=1, max_size=4))
    source = np.random.default_rng(draw(st.integers(0, 2**16))).standard_normal(shape)
    a = np.transpose(source, draw(st.permutations(range(len(shape)))))
    if a.ndim > 1 and draw(st.booleans()):
        axes = tuple(sorted(draw(st.sets(st.integers(0, a.ndim - 1), min_size=1, max_size=a.ndim - 1))))
        a = getattr(np, draw(st.sampled_from(["sum", "mean", "max", "min", "prod"])))(a, axis=axes)
    if draw(st.booleans()):
        a = _merge_adjacent(draw, a)
    return source, a


@settings(max_examples=40, deadline=None)
@given(reshapes())
def test_random_rearrangements_and_reductions_are_found(task):
    source, expected = task
    result = synthesize([([source], expected)], timeout=60.0)
    assert isinstance(result, Found), (source.shape, expected.shape, result)
    assert np.allclose(einsum(result.program, source), expected)


def test_marginals_reject_a_wrong_partition_and_keep_the_right_one():
    a, b = rand(3, 3), rand(3, 3)
    marginals = Marginals([a, b], a @ b, rtol=1e-9)
    whole = ((3,),)                              # an axis kept whole: one member, of size 3 in the one example
    layout = ((whole, whole), (whole, whole))    # two 3x3 inputs
    assert marginals.partition(layout, (0, 1, 1, 2))        # ab,bc
    assert marginals.term(0, (0,)) and marginals.term(1, (2,))
    assert not marginals.term(0, (2,))
    assert not marginals.partition(layout, (0, 1, 0, 2))    # ab,ac: a different total


@pytest.mark.parametrize("shapes", [[(3, 3)] * 7, [(2, 3), (3, 3, 2), (2, 3)], [(3, 3), (3, 3, 3), (3, 3)]])
def test_marginals_in_order_steps_equal_one_einsum_over_the_enumeration(shapes):
    """_in_order remembers steps across consecutive partitions; along a real enumeration (with
    diagonals and hyperedges allowed), every contraction it makes, total or kept terms, equals
    numpy's over all operands at once."""
    from synth.einsum.candidates import _partitions, _Piece
    arrays = [rand(*s) for s in shapes]
    marginals = Marginals(arrays, np.zeros((2, 2)), rtol=1e-9)
    layout = tuple(tuple(((n,),) for n in s) for s in shapes)
    pieces = [_Piece(k, a, (n,)) for k, s in enumerate(shapes) for a, n in enumerate(s)]
    checked = 0
    for classes, _ in itertools.islice(_partitions(pieces, 3, lambda: False), 3000):
        marginals.partition(layout, classes)
        operands = [x for array, ix in zip(arrays, marginals.operands) for x in (array, ix)]
        for keep in ([], [classes[0]], [classes[-1], classes[0]] if classes[-1] != classes[0] else []):
            got = marginals._in_order(list(keep))
            np.testing.assert_allclose(got, np.einsum(*operands, keep), rtol=1e-12, atol=1e-12)
            checked += 1
    assert checked >= 30


def test_marginals_stand_aside_for_nan():
    a, b = rand(2, 2), rand(2, 2)
    a[0, 0] = np.nan
    marginals = Marginals([a, b], a @ b, rtol=1e-9)
    whole = ((2,),)
    assert marginals.partition(((whole, whole), (whole, whole)), (0, 1, 2, 3))


def test_example_accepts_pairs_and_examples():
    a = rand(2, 2)
    [one] = checked([Example((a,), a.T, "mine")])
    assert one.source == "mine"
    [two] = checked([([a], a.T)])
    assert two.source == "example 0"
