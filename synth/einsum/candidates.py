"""Candidate programs for synthesis from examples, cheapest first, each shape-consistent on every example.

A candidate is built in three choices over the examples' shapes, where a size is the tuple of
an axis's sizes across the examples (so one candidate fits all of them):

1. a layout: each input axis kept whole or split into a group of 2-3 members (`(h w)`),
   whose sizes are constants except at most one, inferred by division;
2. a partition of the input pieces into indices: pieces of equal size may share an index
   (a contraction across operands, a diagonal within one);
3. the output: each output axis is one unused index, a group of 2-3 of them (a merge), a
   unit `1`, or a new axis (repeat); indices left over are reduced.

Cost counts what is not a plain pairwise contraction: each extra member of a group (split or
merge), each repeated index within one operand (a diagonal), each index on three or more
pieces, each unit, each new axis, a reduction other than sum. Candidates come in order of
cost, then of the number of distinct indices (more sharing first), then of output order
(identity first).

Each candidate comes with its flat index structure on the first example (a Bound, as
`normalize` would build it), so the search can run it without re-deriving shapes.
"""
from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterator, NamedTuple, Protocol

from synth.einsum.ast import REDUCTIONS, Axis, Expr, Group, Unit
from synth.einsum.shapes import LETTERS, Bound, Operand

Sizes = tuple[int, ...]            # one axis's size in each example

SPLIT = 2               # each member of an input group beyond the first
MERGE = 2               # each member of an output group beyond the first
DIAGONAL = 1            # each repeat of an index within one operand
SHARED = 1              # each index on three or more pieces (a hyperedge)
UNIT = 1                # an output axis `1`
NEW_AXIS = 2            # an output axis in no input (repeat)
OTHER_REDUCTION = 1     # mean, max, min or prod instead of sum
MAX_COST = 10
MAX_MEMBERS = 3


@dataclass(frozen=True)
class Signature:
    """The shapes a program must map: each input axis's and each output axis's sizes across examples."""
    inputs: tuple[tuple[Sizes, ...], ...]
    output: tuple[Sizes, ...]

    @staticmethod
    def of(input_shapes: list[tuple[tuple[int, ...], ...]], output_shapes: list[tuple[int, ...]]) -> Signature:
        """From each example's input shapes and output shape (ranks already checked to agree)."""
        inputs = tuple(tuple(zip(*(shapes[k] for shapes in input_shapes))) if input_shapes[0][k] else ()
                       for k in range(len(input_shapes[0])))
        output = tuple(zip(*output_shapes)) if output_shapes[0] else ()
        return Signature(inputs, output)


class Candidate(NamedTuple):
    """A candidate program, and how it runs on the first example."""
    expr: Expr
    bound: Bound        # its flat structure on the first example: normalize(expr, *first shapes)


class Pruner(Protocol):
    """Value-based filters a search may supply (prune.Marginals) for candidates over 2+ operands."""
    def partition(self, layout, classes: tuple[int, ...]) -> bool: ...
    def term(self, position: int, members: tuple[int, ...]) -> bool: ...


@dataclass(frozen=True)
class _Piece:
    operand: int
    axis: int
    sizes: Sizes


def candidates(sig: Signature, max_cost: int = MAX_COST, stop: Callable[[], bool] = lambda: False,
               pruner: Pruner | None = None) -> Iterator[Candidate]:
    """Every candidate up to `max_cost`, cheapest first; ends early once `stop()` is true.

    With a pruner, candidates over two or more operands that it rejects are left out.
    """
    for cost in range(max_cost + 1):
        for split_cost in range(0, cost + 1, SPLIT):
            for layout in _layouts(sig.inputs, split_cost):
                pieces = [_Piece(k, a, sizes) for k, axes in enumerate(layout)
                          for a, members in enumerate(axes) for sizes in members]
                if not _coverable(sig.output, [p.sizes for p in pieces], len(layout) == 1):
                    continue
                left = cost - split_cost
                check = pruner if pruner is not None and len(layout) > 1 else None
                # Without new axes (repeat has one operand) each output axis but a unit needs an index.
                fewest = 0 if len(layout) == 1 else sum(any(n > 1 for n in sizes) for sizes in sig.output)
                for classes, spent in _partitions(pieces, left, stop, fewest):
                    if stop():
                        return
                    if check is None or check.partition(layout, classes):
                        yield from _completions(sig, layout, classes, left - spent, check)


# --- 1. layouts: which input axes are split, and how -------------------------------------------

def _layouts(inputs, cost: int) -> Iterator[tuple[tuple[tuple[Sizes, ...], ...], ...]]:
    """Each input axis whole or split into a group, with total split cost exactly `cost`."""
    axes = [(k, a) for k, shape in enumerate(inputs) for a in range(len(shape))]
    options = [[((inputs[k][a],), 0)] + [(f, SPLIT * (len(f) - 1)) for f in _factorizations(inputs[k][a])]
               for k, a in axes]

    def go(i, left):
        if i == len(axes):
            if left == 0:
                yield ()
            return
        for members, c in options[i]:
            if c <= left:
                for rest in go(i + 1, left - c):
                    yield (members,) + rest

    for flat in go(0, cost):
        layout, i = [], 0
        for shape in inputs:
            layout.append(tuple(flat[i:i + len(shape)]))
            i += len(shape)
        yield tuple(layout)


def _factorizations(sizes: Sizes) -> list[tuple[Sizes, ...]]:
    """Ordered splits of an axis into 2-3 members > 1: constants, and at most one member inferred."""
    g = math.gcd(*sizes)
    divisors = sorted({d for k in range(1, math.isqrt(g) + 1) if g % k == 0 for d in (k, g // k)} - {1})
    found = set()
    for d in divisors:
        rest = tuple(s // d for s in sizes)
        if min(rest) > 1:
            found.update(itertools.permutations(((d,) * len(sizes), rest)))
    for d1, d2 in itertools.product(divisors, repeat=2):
        rest = tuple(s // (d1 * d2) for s in sizes)
        if g % (d1 * d2) == 0 and min(rest) > 1:
            found.update(itertools.permutations(((d1,) * len(sizes), (d2,) * len(sizes), rest)))
    return sorted(found, key=lambda f: (len(f), f))


def _coverable(output: tuple[Sizes, ...], pieces: list[Sizes], single: bool) -> bool:
    """A quick necessary condition: every output axis is a unit, a piece or a product of pieces,
    or (one operand: repeat) a new axis alone or beside pieces."""
    available = set(pieces)
    for target in output:
        if target in available or all(s == 1 for s in target) or (single and len(set(target)) == 1):
            continue
        combos = (c for n in range(1, MAX_MEMBERS + 1) for c in itertools.combinations(pieces, n))
        if not any(_product(c) == target or (single and len(c) < MAX_MEMBERS
                                             and _quotient(target, _product(c)) is not None) for c in combos):
            return False
    return True


def _product(sizes_list) -> Sizes:
    return tuple(math.prod(column) for column in zip(*sizes_list))


# --- 2. partitions: which pieces share an index --------------------------------------------------

def _partitions(pieces: list[_Piece], budget: int, stop: Callable[[], bool],
                fewest: int = 0) -> Iterator[tuple[tuple[int, ...], int]]:
    """(index of each piece, numbered by first appearance; the partition's cost), fewest distinct
    indices first (but at least `fewest`), for partitions costing at most `budget`.

    Pieces share an index only if their sizes agree, and within one operand (a diagonal) only
    if both are whole axes: a diagonal through a split axis is not worth its cost. Each repeat
    within an operand costs DIAGONAL and each index on three or more pieces SHARED, so that
    pairwise contractions, the common case, come first.
    """
    n = len(pieces)
    width = Counter((p.operand, p.axis) for p in pieces)     # members of each input axis

    def can_share(a: _Piece, b: _Piece) -> bool:
        if a.sizes != b.sizes:
            return False
        if a.operand != b.operand:
            return True
        return a.axis != b.axis and width[a.operand, a.axis] == width[b.operand, b.axis] == 1

    apart = [{j for j in range(n) if not can_share(pieces[i], pieces[j])} for i in range(n)]
    if n == 0:
        if fewest == 0:
            yield (), 0
        return
    for k in range(max(1, fewest), n + 1):
        yield from _partitions_into(k, pieces, apart, budget, stop)


def _partitions_into(k: int, pieces: list[_Piece], apart: list[set[int]], budget: int,
                     stop: Callable[[], bool]) -> Iterator[tuple[tuple[int, ...], int]]:
    """The partitions into exactly k indices, in lexicographic order of the index sequence.

    One loop with an explicit stack (deep generator recursion cost more than the rest).
    """
    n = len(pieces)
    assign = [0] * n
    blocks: list[set[int]] = []          # the pieces of each index so far
    operands: list[set[int]] = []        # the operands they come from
    options: list[list] = [[] for _ in range(n)]
    undo: list = [None] * n
    spent, steps = 0, 0

    def choices(i: int) -> list:
        opened = len(blocks)
        out = []
        if n - i - 1 >= k - opened:      # joining leaves enough pieces to open the rest
            operand = pieces[i].operand
            for b in range(opened):
                cost = DIAGONAL * (operand in operands[b]) + SHARED * (len(blocks[b]) == 2)
                if spent + cost <= budget and not (blocks[b] & apart[i]):
                    out.append((b, cost))
        if opened < k:
            out.append((opened, 0))
        out.reverse()                    # popped from the end: lowest index first
        return out

    options[0] = choices(0)
    i = 0
    while i >= 0:
        if undo[i] is not None:
            b, cost, new_block, new_operand = undo[i]
            undo[i] = None
            spent -= cost
            if new_block:
                blocks.pop()
                operands.pop()
            else:
                blocks[b].discard(i)
                if new_operand:
                    operands[b].discard(pieces[i].operand)
        if not options[i]:
            i -= 1
            continue
        steps += 1
        if steps % 4096 == 0 and stop():
            return
        b, cost = options[i].pop()
        operand = pieces[i].operand
        if b == len(blocks):
            blocks.append({i})
            operands.append({operand})
            undo[i] = (b, 0, True, False)
        else:
            blocks[b].add(i)
            new_operand = operand not in operands[b]
            operands[b].add(operand)
            spent += cost
            undo[i] = (b, cost, False, new_operand)
        assign[i] = b
        if i == n - 1:
            if len(blocks) == k:
                yield tuple(assign), spent
        else:
            i += 1
            options[i] = choices(i)


# --- 3. outputs and reductions --------------------------------------------------------------------

_NEW = -1     # a member that is a new axis


def _completions(sig: Signature, layout, classes: tuple[int, ...], budget: int,
                 check: Pruner | None) -> Iterator[Candidate]:
    """The candidates of cost exactly `budget` that this layout and partition allow."""
    count = max(classes, default=-1) + 1
    size = {}
    for c, sizes in zip(classes, (s for axes in layout for members in axes for s in members)):
        size[c] = sizes
    single = len(layout) == 1
    diagonal = single and len(set(classes)) < len(classes)
    for terms, used, cost in _outputs(sig.output, size, count, budget, single and not diagonal, check):
        if _undone_split(layout, classes, terms, used):
            continue
        reduced = count - len(used)
        has_new = any(not isinstance(m, int) for t in terms if t != "unit" for m in t)
        options = [("sum", 0)]
        if reduced and single and not diagonal:
            options += [(r, OTHER_REDUCTION) for r in REDUCTIONS if r != "sum"]
        for reduction, extra in options:
            if cost + extra != budget or (has_new and reduced):
                continue
            candidate = _candidate(layout, classes, size, terms, reduction if reduced else None, diagonal)
            if candidate is not None:
                yield candidate


def _undone_split(layout, classes, terms, used) -> bool:
    """A split undone by the output (its members reduced together, or merged back in order) is
    the same program as the cheaper one without it, unless another operand shares a member."""
    starts = itertools.accumulate((len(m) for m in _axes(layout)), initial=0)
    for i, members in zip(starts, _axes(layout)):
        ids = classes[i:i + len(members)]
        if len(ids) < 2 or sum(classes.count(c) for c in ids) > len(ids):
            continue
        if not used & set(ids):
            return True
        for term in terms:
            if term != "unit" and any(term[j:j + len(ids)] == ids for j in range(len(term) - len(ids) + 1)):
                return True
    return False


def _outputs(output: tuple[Sizes, ...], size: dict[int, Sizes], count: int, budget: int, allow_new: bool,
             check: Pruner | None):
    """(terms, used indices, cost) for each way to build the output within `budget`.

    A term is "unit", or a tuple of members (indices, or _NEW with the new axis's size).
    """
    def options(target: Sizes, used: set[int], left: int):
        for c in range(count):
            if c not in used and size[c] == target:
                yield (c,), 0
        if UNIT <= left and all(s == 1 for s in target):
            yield "unit", UNIT
        if allow_new and NEW_AXIS <= left and len(set(target)) == 1 and target[0] > 1:
            yield ((_NEW, target),), NEW_AXIS
        free = [c for c in range(count) if c not in used]
        for n in range(2, MAX_MEMBERS + 1):
            if MERGE * (n - 1) > left:
                break
            for combo in itertools.permutations(free, n):
                if _product([size[c] for c in combo]) == target:
                    yield combo, MERGE * (n - 1)
            if allow_new and MERGE * (n - 1) + NEW_AXIS <= left:
                for combo in itertools.permutations(free, n - 1):
                    new = _quotient(target, _product([size[c] for c in combo]))
                    if new is not None:
                        for at in range(n):
                            yield combo[:at] + ((_NEW, new),) + combo[at:], MERGE * (n - 1) + NEW_AXIS

    def go(p, used, terms, cost):
        if p == len(output):
            yield terms, frozenset(used), cost
            return
        for term, c in options(output[p], used, budget - cost):
            members = [m for m in term if isinstance(m, int)] if term != "unit" else []
            if check is not None and term != "unit" and not check.term(p, term):
                continue
            used.update(members)
            yield from go(p + 1, used, terms + (term,), cost + c)
            used.difference_update(members)

    yield from go(0, set(), (), 0)


def _quotient(target: Sizes, part: Sizes) -> Sizes | None:
    """The constant size of a new group member completing `part` to `target`, if there is one."""
    if any(t % p for t, p in zip(target, part)):
        return None
    q = {t // p for t, p in zip(target, part)}
    return (q.pop(),) * len(target) if len(q) == 1 and min(q) > 1 else None


def _candidate(layout, classes, size, terms, reduction: str | None, diagonal: bool) -> Candidate | None:
    """The Expr for one choice (NumPy einsum where possible, else einops' operation or named
    einsum) and its flat structure on the first example."""
    count = max(classes, default=-1) + 1
    new_count = sum(1 for t in terms if t != "unit" for m in t if not isinstance(m, int))
    if count + new_count > len(LETTERS):
        return None
    names = list(LETTERS[:count])
    first = {names[c]: size[c][0] for c in range(count)}        # index -> size in the first example
    sizes: dict[str, int] = {}                                   # the keyword sizes the Expr states
    starts = list(itertools.accumulate((len(m) for m in _axes(layout)), initial=0))
    plain = {classes[i] for i, members in zip(starts, _axes(layout)) if len(members) == 1}
    inputs, operands, i = [], [], 0
    for axes in layout:
        pattern, indices = [], []
        for members in axes:
            ids = classes[i:i + len(members)]
            i += len(members)
            indices += [names[c] for c in ids]
            if len(ids) == 1:
                pattern.append(Axis(names[ids[0]]))
                continue
            pattern.append(Group(tuple(Axis(names[c]) for c in ids)))
            sizes.update((names[c], size[c][0]) for c in _keyword_members(ids, size) if c not in plain)
        inputs.append(tuple(pattern))
        operands.append(Operand(tuple(math.prod(m[0] for m in members) for members in axes),
                                tuple(first[n] for n in indices), tuple(indices)))
    output, flat_output, output_shape = [], [], []
    for term in terms:
        if term == "unit":
            output.append(Unit())
            output_shape.append(1)
            continue
        members = []
        for m in term:
            if not isinstance(m, int):
                name = LETTERS[len(first)]
                first[name] = sizes[name] = m[1][0]
                m = name
            else:
                m = names[m]
            members.append(Axis(m))
            flat_output.append(m)
        output.append(members[0] if len(members) == 1 else Group(tuple(members)))
        output_shape.append(math.prod(first[a.name] for a in members))
    expr = _expr(tuple(inputs), tuple(output), sizes, reduction, diagonal,
                 new=len(first) > count, operands=len(layout))
    if expr is None:
        return None
    return Candidate(expr, Bound(expr, tuple(operands), tuple(flat_output), tuple(output_shape), first,
                                 expr.reduction))


def _axes(layout):
    """The members of every input axis, in order."""
    return [members for axes in layout for members in axes]


def _expr(inputs, output, sizes, reduction, diagonal: bool, new: bool, operands: int) -> Expr | None:
    grouped = any(isinstance(t, (Group, Unit)) for p in inputs + (output,) for t in p)
    keywords = tuple(sorted(sizes.items()))
    if operands > 1 or (diagonal and not new and reduction in (None, "sum")):
        return Expr(inputs, output, sizes=keywords, style="named" if grouped else "numpy")
    if new:
        kind, reduction = "repeat", None
    elif reduction is not None and (reduction != "sum" or grouped):
        kind = "reduce"
    elif grouped:
        kind = "rearrange"
    else:
        return Expr(inputs, output, style="numpy")
    if diagonal:        # repeated indices are einsum's alone
        return None
    return Expr(inputs, output, kind=kind, reduction=reduction, sizes=keywords)


def _keyword_members(ids: tuple[int, ...], size: dict[int, Sizes]) -> list[int]:
    """The members of an input group whose sizes must be given: all but one, the one left out
    being the member whose size varies across examples, else the largest (the last of equals)."""
    varying = [c for c in ids if len(set(size[c])) > 1]
    if len(varying) > 1:
        raise AssertionError("a split has at most one inferred member")
    free = varying[0] if varying else max(reversed(ids), key=lambda c: size[c][0])
    return [c for c in ids if c != free]
