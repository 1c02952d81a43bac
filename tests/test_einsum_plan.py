"""Contraction planning: exact paths and FLOPs on small cases, exactness against brute force,
and the same FLOP count and never-worse paths against opt_einsum."""
import math
import random

import pytest

from synth.einsum import parse, plan
from synth.einsum.planning import PlanError, _Network, search, simulate, tree_to_path


def test_matrix_chain():
    p = plan("ij,jk,kl->il", (10, 100), (100, 5), (5, 50))
    assert p.path == ((0, 1), (0, 1))
    # i j k: 10*100*5 products and sums (2 * 5000), then i k l: 2 * 10*5*50
    assert p.flops == 15000 and [s.flops for s in p.steps] == [10000, 5000]
    assert p.largest_intermediate == 500
    assert [s.result for s in p.steps] == [("i", "k"), ("i", "l")]


def test_chain_order_follows_the_sizes():
    assert plan("ij,jk,kl->il", (100, 5), (5, 100), (100, 5)).path == ((1, 2), (0, 1))


def test_one_operand():
    p = plan("ii->i", (3, 3))
    assert (p.path, p.flops, p.largest_intermediate) == (((0,),), 3, 3)
    assert plan("ij->", (3, 4)).flops == 24


def test_an_index_only_one_operand_has_is_summed_first_when_cheaper():
    p = plan("ab,bc->c", (100, 2), (2, 2))
    # summing a first: 2 * 200, then b c: 2 * 4; at once it would be 2 * 400
    assert p.path == ((0,), (0, 1)) and p.flops == 408
    assert plan("ab,bc->c", (2, 2), (2, 2)).path == ((0, 1),)


def test_named_and_einops_expressions_plan_on_their_flat_structure():
    p = plan("b h i d, b h j d -> b h i j", (2, 4, 8, 16), (2, 4, 8, 16))
    assert p.flops == 2 * 2 * 4 * 8 * 8 * 16 and p.path == ((0, 1),)
    assert plan(parse("rearrange(b (h w) -> b h w, h=2)"), (3, 8)).flops == 24


def test_memory_limit():
    shapes = (4, 6), (4, 2), (5, 6)
    free = plan("bd,ba,cd->", *shapes)
    assert free.path == ((1,), (0, 2), (0, 1)) and free.flops == 124
    assert [s.size for s in free.steps] == [4, 6, 1]
    limited = plan("bd,ba,cd->", *shapes, memory_limit=5)
    # b d, c d -> b (c and d summed): 2 * 120; then b a, b -> (): 2 * 8
    assert limited.path == ((0, 2), (0, 1)) and limited.flops == 256
    with pytest.raises(PlanError, match="memory_limit=3"):
        plan("bd,ba,cd->", *shapes, memory_limit=3)


def test_tree_to_path():
    assert tree_to_path(((0, 3), (1, 2)), 4) == ((0, 3), (0, 1), (0, 1))
    assert tree_to_path((((2,), 0), 1), 3) == ((2,), (0, 2), (0, 1))


def _brute_force(inputs, output, sizes, memory_limit=None):
    """The cheapest of every sequence of steps: contract any two operands, or sum away what only
    one operand has; counted as opt_einsum counts (size of the indices involved, twice if any
    index is summed)."""
    best = [math.inf]

    def recurse(current, cost):
        if cost >= best[0]:
            return
        if len(current) == 1 and set(current[0]) == set(output):
            best[0] = cost
            return
        choices = [(i, j) for i in range(len(current)) for j in range(i + 1, len(current))]
        for positions in choices + [(i,) for i in range(len(current))]:
            rest = [current[k] for k in range(len(current)) if k not in positions]
            involved = set().union(*(current[k] for k in positions))
            result = involved & set(output).union(*rest)
            if len(positions) == 1 and result == involved and rest:
                continue                                  # a one-operand step that does nothing
            if memory_limit is not None and rest and math.prod(sizes[i] for i in result) > memory_limit:
                continue
            flops = math.prod(sizes[i] for i in involved) * (2 if result != involved else 1)
            recurse(rest + [frozenset(result)], cost + flops)

    recurse([frozenset(t) for t in inputs], 0)
    return best[0]


def _random_case(rng, n, letters="abcdefg", outer=0.3):
    inputs = ["".join(rng.sample(letters, rng.randint(1, 3))) for _ in range(n)]
    seen = sorted(set("".join(inputs)))
    output = "".join(c for c in seen if rng.random() < outer)
    sizes = {c: rng.randint(1, 5) for c in letters}
    return inputs, output, sizes


@pytest.mark.parametrize("seed", range(40))
def test_exact_against_brute_force(seed):
    rng = random.Random(seed)
    inputs, output, sizes = _random_case(rng, rng.randint(2, 4))
    limit = rng.choice([None, None, 8, 20])
    try:
        tree = search([frozenset(t) for t in inputs], frozenset(output), sizes, limit)
    except PlanError:
        assert _brute_force(inputs, output, sizes, limit) == math.inf
        return
    ours = sum(s.flops for s in simulate(inputs, output, sizes, tree_to_path(tree, len(inputs))))
    assert ours == _brute_force(inputs, output, sizes, limit)


@pytest.mark.parametrize("seed", range(100))
def test_two_operands_exact_against_brute_force_and_the_same_tree_as_the_network(seed):
    rng = random.Random(seed)
    inputs, output, sizes = _random_case(rng, 2, letters="abcde")
    limit = rng.choice([None, None, 2, 4, 8])
    sets, out = [frozenset(t) for t in inputs], frozenset(output)
    tree = search(sets, out, sizes, limit)
    assert sum(s.flops for s in simulate(inputs, output, sizes, tree_to_path(tree, 2))) == \
        _brute_force(inputs, output, sizes, limit)
    network = _Network(sets, out, sizes, limit)
    assert tree == network.best(network.leaves(range(2)), connected=False)[0][2]


def _compare(oe, inputs, output, sizes, method):
    eq = ",".join(inputs) + "->" + output
    shapes = [tuple(sizes[c] for c in t) for t in inputs]
    ours = plan(eq, *shapes)
    info = oe.contract_path(eq, *shapes, shapes=True, optimize=[tuple(p) for p in ours.path])[1]
    assert ours.flops == int(info.opt_cost) and ours.largest_intermediate == int(info.largest_intermediate)
    theirs = oe.contract_path(eq, *shapes, shapes=True, optimize=method)[1]
    return ours.flops, int(theirs.opt_cost)


@pytest.mark.parametrize("seed", range(60))
def test_never_worse_than_opt_einsum_optimal(seed):
    oe = pytest.importorskip("opt_einsum")
    rng = random.Random(seed)
    ours, theirs = _compare(oe, *_random_case(rng, rng.randint(2, 6)), "optimal")
    assert ours <= theirs


@pytest.mark.parametrize("seed", range(30))
def test_never_worse_than_opt_einsum_dp_on_larger_networks(seed):
    oe = pytest.importorskip("opt_einsum")
    rng = random.Random(1000 + seed)
    letters = "".join(oe.get_symbol(i) for i in range(rng.randint(10, 24)))
    ours, theirs = _compare(oe, *_random_case(rng, rng.randint(9, 16), letters, outer=0.15), "dp")
    assert ours <= theirs


def test_many_components_are_joined_by_outer_products():
    eq = ",".join(c + c.upper() for c in "abcdefghij") + "->abcdefghij"   # ten independent row sums
    p = plan(eq, *[(2, 3)] * 10)
    # each row sum costs 2 * 6; the ten length-2 results are multiplied out pairwise, the
    # greedy join (4 + 8 + 16 + 4 + 8 + 4 + 8 + 64 + 1024) beating dp's one-after-another (2164 in all)
    assert sum(len(s) == 1 for s in p.path) == 10 and p.flops == 120 + 1140
    with pytest.raises(PlanError):
        plan(eq, *[(2, 3)] * 10, memory_limit=2)
