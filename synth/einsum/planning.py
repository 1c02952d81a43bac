"""Contraction order: the pairwise order of an einsum that costs the fewest FLOPs.

Cost model (opt_einsum's, so that paths compare one to one): contracting operands whose
indices together are U costs size(U), twice that when an index is summed away; a one-operand
step that sums indices costs twice its size; the size of a tensor is the product of its
indices' sizes. Intermediates may be capped by a memory limit (in elements).

The search is exact, by dynamic programming over subsets of operands (Pfeifer et al. 2014)
taken cheapest first (see _Network.best):

- up to EXACT_OPERANDS operands, over every split of every subset, outer products included;
  so never worse than opt_einsum's `optimal`, which searches the same pairwise orders;
- beyond, the operands fall into connected components (operands are connected when they
  share a summed index, opt_einsum's dp's rule) and each is solved over splits into two
  connected parts that share a summed index; the components' results are then joined by
  outer products, in the best order when there are few. This is dp's search space, so the
  exact optimum in it is never worse than dp's path.

Either way an operand may first sum away the indices only it has (opt_einsum's dp always
does; here only where it is cheaper). Plan.flops is recounted from the path, the way
opt_einsum.contract_path counts it.
"""
from __future__ import annotations

import functools
import heapq
import math
from dataclasses import dataclass

from synth.einsum.ast import Expr
from synth.einsum.shapes import Bound, normalize
from synth.einsum.syntax import parse
from synth.errors import SynthError

EXACT_OPERANDS = 8   # outer products searched up to here; beyond, only within disconnected parts
GREEDY_FROM = 5      # a greedy order bounds the search from this many operands on


@dataclass(frozen=True)
class Step:
    """One contraction: `operands` are positions in the current list of operands; they are
    removed and the result (with indices `result`) is appended at the end."""
    operands: tuple[int, ...]
    result: tuple[str, ...]
    flops: int
    size: int


@dataclass(frozen=True)
class Plan:
    path: tuple[tuple[int, ...], ...]     # opt_einsum's linear path format
    steps: tuple[Step, ...]
    flops: int
    largest_intermediate: int
    bound: Bound

    def to_json(self) -> dict:
        return {"expression": str(self.bound.expr), "subscripts": self.bound.subscripts(),
                "path": [list(p) for p in self.path], "flops": self.flops,
                "largest_intermediate": self.largest_intermediate,
                "steps": [{"operands": list(s.operands), "result": list(s.result), "flops": s.flops,
                           "size": s.size} for s in self.steps]}


class PlanError(SynthError):
    """No contraction order satisfies the constraints (a memory limit too small)."""


def plan(expr: Expr | str | Bound, *shapes, memory_limit: int | None = None, **sizes: int) -> Plan:
    """The cheapest pairwise contraction order of `expr` on operands of these shapes.

    memory_limit: the most elements any intermediate (not the final result) may have.
    """
    bound = _bind(expr, shapes, sizes)
    indices = [op.indices for op in bound.operands]
    tree = search(list(map(frozenset, indices)), frozenset(bound.output), bound.sizes, memory_limit)
    path = tree_to_path(tree, len(indices))
    # From the operands' own index order, so each intermediate's indices come in order of first
    # appearance (a set's order would vary from run to run).
    steps = simulate(indices, bound.output, bound.sizes, path)
    flops = largest = 0
    for step in steps:
        flops += step.flops
        largest = max(largest, step.size)
    return Plan(path, steps, flops, largest, bound)


def _bind(expr, shapes, sizes) -> Bound:
    if isinstance(expr, Bound):
        return expr
    if isinstance(expr, str):
        expr = parse(expr)
    return normalize(expr, *shapes, **sizes)


# --- costing a path the way opt_einsum.contract_path does --------------------------------------

def simulate(inputs, output, sizes, path) -> tuple[Step, ...]:
    """Run a linear path over index sets and count each step's FLOPs and result size."""
    current = list(inputs)      # a repeated index (a diagonal) is merged into `involved` below
    output = tuple(output)
    kept = frozenset(output)
    size = sizes.__getitem__
    last = len(path) - 1
    steps = []
    for n, positions in enumerate(path):
        positions = tuple(positions)
        involved = dict.fromkeys([i for p in positions for i in current[p]])
        rest = [c for p, c in enumerate(current) if p not in positions]
        keep = kept.union(*rest)
        result = output if n == last else tuple([i for i in involved if i in keep])
        summed = not keep.issuperset(involved)
        terms = max(1, len(positions) - 1) + summed
        steps.append(Step(positions, result, math.prod(map(size, involved)) * terms,
                          math.prod(map(size, result))))
        rest.append(result)
        current = rest
    return tuple(steps)


# --- the search ---------------------------------------------------------------------------------

def search(inputs: list[frozenset], output: frozenset, sizes: dict, memory_limit: int | None = None):
    """The cheapest contraction tree: a leaf is an operand's position, `(t,)` sums away the indices
    only that operand has, `(a, b)` contracts two trees."""
    if len(inputs) == 1:
        return (0,)
    if len(inputs) == 2:
        return _pair(inputs, output, sizes, memory_limit)
    net = _Network(inputs, output, sizes, memory_limit)
    if len(inputs) <= EXACT_OPERANDS:
        return net.best(net.leaves(range(net.n)), connected=False)[0][2]
    # Each component's ways to end: one contraction tree, or for a lone operand, itself as
    # is and summed (the cheaper one depends on how the components are joined).
    solved = [net.best(net.leaves(members), connected=len(members) > EXACT_OPERANDS)
              for members in net.components()]
    if len(solved) == 1:
        return solved[0][0][2]
    # Joining the components is a small problem of its own, one operand per component.
    joined = _Network([frozenset(net.names(variants[0][0])) for variants in solved], output, sizes, memory_limit)
    items = {1 << k: [(joined.mask(net.names(legs)), cost, tree) for legs, cost, tree in variants]
             for k, variants in enumerate(solved)}
    if len(items) <= EXACT_OPERANDS:
        return joined.best(items, connected=False)[0][2]
    # Too many for the exact search: the better of a greedy order and dp's own join.
    ends = [end for end in (joined.greedy(items, connected=False), _join_as_dp(joined, items)) if end is not None]
    if not ends:
        raise PlanError("no contraction order keeps every intermediate within the memory limit",
                        found=f"memory_limit={memory_limit}")
    return min(ends, key=lambda end: end[1])[2]


def _pair(inputs: list[frozenset], output: frozenset, sizes: dict, memory_limit: int | None):
    """Two operands: the cheapest of at most four trees (each operand summed first or not),
    costed directly; the same tree _Network.best finds (tests/test_einsum_plan.py), without
    building the network, which costs more than this whole choice."""
    a, b = inputs
    size = sizes.__getitem__
    best = None
    for tree_a, legs_a, cost_a in _leaf_variants(0, a, b | output, size, memory_limit):
        for tree_b, legs_b, cost_b in _leaf_variants(1, b, a | output, size, memory_limit):
            union = legs_a | legs_b
            cost = cost_a + cost_b + math.prod(map(size, union)) * (2 if union - output else 1)
            if best is None or cost < best[0]:
                best = (cost, (tree_a, tree_b))
    return best[1]


def _leaf_variants(position: int, legs: frozenset, elsewhere: frozenset, size, memory_limit) -> list:
    """An operand as is, and (when it has indices no one else needs) summed first, as
    _Network.leaves gives them: (tree, legs, cost)."""
    own = legs & elsewhere
    if own == legs or memory_limit is not None and math.prod(map(size, own)) > memory_limit:
        return [(position, legs, 0)]
    return [(position, legs, 0), ((position,), own, 2 * math.prod(map(size, legs)))]


def _join_as_dp(joined: _Network, items: dict[int, list]):
    """opt_einsum dp's join: lone operands summed to scalars first, then components by result
    size (ties in order of their first operand), each outer-multiplied onto the last."""
    def order(subset):
        variants = items[subset]
        scalar = len(variants) > 1 and variants[-1][0] == 0
        return (joined.size(variants[-1][0]) if not scalar else 1, not scalar, subset)
    subsets = sorted(items, key=order)
    done, end = subsets[0], items[subsets[0]][-1:]
    for subset in subsets[1:]:
        merged = joined.merge(done | subset, end, items[subset][-1:], math.inf)
        if merged is None:
            return None
        done, end = done | subset, [merged]
    return end[0]


class _Network:
    """Operands as bitmasks of index ids (and subsets of operands as bitmasks), memoised sizes."""

    def __init__(self, inputs, output, sizes, memory_limit):
        # Index ids in order of first appearance: any order would do (ids never break ties).
        self.ids = ids = {}
        self.occurs = occurs = []                # which operands have each index
        self.leaf_mask = []
        for j, t in enumerate(inputs):
            m = 0
            for name in t:
                k = ids.get(name)
                if k is None:
                    k = ids[name] = len(occurs)
                    occurs.append(0)
                m |= 1 << k
                occurs[k] |= 1 << j
            self.leaf_mask.append(m)
        for name in output:
            if name not in ids:
                ids[name] = len(occurs)
                occurs.append(0)
        self.index_names = list(ids)
        self.bit_size = {1 << k: sizes[name] for name, k in ids.items()}
        self.output = self.mask(output)
        self.n = len(inputs)
        self.everything = (1 << self.n) - 1
        self.memory_limit = memory_limit
        once = 0
        for k, who in enumerate(occurs):
            if who & (who - 1) == 0:
                once |= 1 << k
        self.single = once & ~self.output        # summed indices that only one operand has
        self._size: dict[int, int] = {}
        self._around: dict[int, int] = {}

    @functools.cached_property
    def neighbours(self) -> list[int]:
        """For each operand, the operands that share a summed index with it."""
        out = [0] * self.n
        for k, who in enumerate(self.occurs):
            if not (self.output >> k) & 1:
                for j in _bits(who):
                    out[j] |= who & ~(1 << j)
        return out

    def mask(self, names) -> int:
        m = 0
        for name in names:
            m |= 1 << self.ids[name]
        return m

    def names(self, mask: int) -> list[str]:
        return [self.index_names[k] for k in _bits(mask)]

    def size(self, mask: int) -> int:
        s = self._size.get(mask)
        if s is None:
            s, rest = 1, mask
            while rest:
                low = rest & -rest
                s *= self.bit_size[low]
                rest ^= low
            self._size[mask] = s
        return s

    def around(self, subset: int) -> int:
        near = self._around.get(subset)
        if near is None:
            near = 0
            for j in _bits(subset):
                near |= self.neighbours[j]
            near = self._around[subset] = near & ~subset
        return near

    def components(self) -> list[list[int]]:
        """Operands connected through shared summed indices (opt_einsum's disconnected subgraphs)."""
        left, out = self.everything, []
        while left:
            group = frontier = left & -left
            while frontier:
                frontier = self.around(group)
                group |= frontier
            out.append(list(_bits(group)))
            left &= ~group
        return out

    def leaves(self, members) -> dict[int, list]:
        """Each operand as is, or first summing away the indices only it has (a one-operand step)."""
        out = {}
        for j in members:
            legs = self.leaf_mask[j]
            variants = [(legs, 0, j)]
            own = legs & ~self.single
            if own != legs and (self.memory_limit is None or self.size(own) <= self.memory_limit):
                variants.append((own, 2 * self.size(legs), (j,)))
            out[1 << j] = variants
        return out

    def merge(self, subset, variants1, variants2, cap):
        """The cheapest contraction of two parts into `subset`, as (legs, cost, tree); None when it
        costs more than `cap` or its result breaks the memory limit."""
        best = None
        for legs1, cost1, tree1 in variants1:
            for legs2, cost2, tree2 in variants2:
                base = cost1 + cost2
                if base >= cap:
                    continue
                union = legs1 | legs2
                # Only indices both parts have, or that one operand alone has, can be summed here.
                removed = union & self.single
                for k in _bits(legs1 & legs2 & ~self.output):
                    if not self.occurs[k] & ~subset:
                        removed |= 1 << k
                shared = legs1 & legs2
                size = self.size(legs1) * self.size(legs2) // self.size(shared) if shared else \
                    self.size(legs1) * self.size(legs2)
                cost = base + (size + size if removed else size)
                if cost <= cap and (best is None or cost < best[1]):
                    best = (union & ~removed, cost, (tree1, tree2))
        if best is not None and self.memory_limit is not None and subset != self.everything \
                and self.size(best[0]) > self.memory_limit:
            return None
        return best

    def best(self, items: dict[int, list], connected: bool) -> list:
        """The cheapest ways to contract `items` (subset -> variants) into one: [(legs, cost, tree)]
        (one way, or a lone item's variants).

        Dynamic programming over subsets (Pfeifer et al. 2014) in order of cost, cheapest
        first (Knuth's generalisation of Dijkstra's algorithm): a subset's cost is final when
        it leaves the queue, since a contraction costs more than either of its parts, and the
        search stops when the whole set does. So only subsets cheaper than the optimum are ever
        expanded: the cost cap of Pfeifer et al. without guessing it. A greedy order's total
        prunes what is pushed.
        connected: contract only parts that share a summed index (no outer products).
        """
        if len(items) == 2:                      # one way to split: no search
            (s1, variants1), (s2, variants2) = items.items()
            merged = self.merge(s1 | s2, variants1, variants2, math.inf)
            if merged is None:
                raise PlanError("no contraction order keeps every intermediate within the memory limit",
                                found=f"memory_limit={self.memory_limit}")
            return [merged]
        # A few items are cheaper to search than to bound.
        greedy = self.greedy(items, connected) if len(items) > GREEDY_FROM else None
        upper = greedy[1] if greedy is not None else math.inf
        full = 0
        for subset in items:
            full |= subset
        final: dict[int, list] = {}
        by_member: dict[int, list[int]] = {}
        pending = dict(items)
        queue = [(min(v[1] for v in variants), subset) for subset, variants in items.items()]
        heapq.heapify(queue)
        while queue:
            cost, s1 = heapq.heappop(queue)
            if s1 in final:
                continue
            variants1 = final[s1] = pending.pop(s1)
            if s1 == full:
                return variants1
            if connected:   # the finished parts that share a summed index with s1, each once
                near = self.around(s1)
                candidates = [s2 for j in _bits(near) for s2 in by_member.get(j, ())
                              if not s2 & (near & ((1 << j) - 1))]
                for j in _bits(s1):
                    by_member.setdefault(j, []).append(s1)
            else:
                candidates = list(final)
            for s2 in candidates:
                if s2 & s1:
                    continue
                subset = s1 | s2
                if subset in final:
                    continue
                merged = self.merge(subset, variants1, final[s2], upper)
                if merged is not None:
                    known = pending.get(subset)
                    if known is None or merged[1] < known[0][1]:
                        pending[subset] = [merged]
                        heapq.heappush(queue, (merged[1], subset))
        raise PlanError("no contraction order keeps every intermediate within the memory limit",
                        found=f"memory_limit={self.memory_limit}")

    def greedy(self, items: dict[int, list], connected: bool):
        """Contract the cheapest pair until one part is left: an upper bound on the optimum."""
        parts = dict(items)
        while len(parts) > 1:
            choice = None
            subsets = list(parts)
            for a, s1 in enumerate(subsets):
                near = self.around(s1) if connected else ~0
                for s2 in subsets[a + 1:]:
                    if near & s2:
                        merged = self.merge(s1 | s2, parts[s1], parts[s2], math.inf)
                        if merged is not None:
                            step = merged[1] - min(v[1] for v in parts[s1]) - min(v[1] for v in parts[s2])
                            if choice is None or step < choice[0]:
                                choice = (step, s1, s2, merged)
            if choice is None:
                return None
            _, s1, s2, merged = choice
            del parts[s1], parts[s2]
            parts[s1 | s2] = [merged]
        return next(iter(parts.values()))[0]


def _bits(mask: int):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


# --- trees to paths -------------------------------------------------------------------------------

def tree_to_path(tree, n: int) -> tuple[tuple[int, ...], ...]:
    """A contraction tree as opt_einsum's linear path (positions in the shrinking operand list)."""
    alive = list(range(n))          # the ids of the current operands; step k's result is id n + k
    path = []

    def visit(t) -> int:
        ids = [child if type(child) is int else visit(child) for child in t]
        positions = sorted(map(alive.index, ids))
        for p in reversed(positions):
            del alive[p]
        alive.append(n + len(path))
        path.append(tuple(positions))
        return alive[-1]

    if type(tree) is not int:
        visit(tree)
    return tuple(path)
