"""Synthesize a RASP program from input/output examples.

The search (synth/search/enumeration.py) grows s-op and selector terms bottom-up, smallest first,
keeping one term per behaviour on the examples. What it may build is RASP's own primitive set
(elementwise maps with constants taken from the examples, select, and/or/not of selectors,
aggregate, selector_width) and the general building blocks of library/blocks.rasp; it sees the
examples only, never a task's name. Some programs are assembled from parts instead of grown
whole (top-down: the examples decide every part but one enumerated term): a gather
`aggregate(select(K, indices, ==) [and mask], V, default)`, whose key K is any term the search
keeps (_Gather); for a categorical target with few values (T/F/P), a chain
`c1 if b1 else (c2 if b2 else c3)` once booleans b1, b2 matching its cases are found, a case
that stays true once true being met as `ever(X)` with X specified only up to where it first
holds (_Cases); and those booleans may be grouped votes, `round(mean of a 0/1 ballot over the
positions up to here sharing a key) > 0`, whose key K is enumerated (_GroupedMean).

The found graph is written as RASP text (program.py), parsed and run again on the examples, so
the text printed is the program that was checked.
"""
from __future__ import annotations

import bisect
import itertools
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence as Seq

import numpy as np

from synth.dsl.rasp import sops
from synth.dsl.rasp.interpret import Function, evaluate, run_file, run_text
from synth.dsl.rasp.semantics import run
from synth.rasp import batch
from synth.rasp.program import to_text
from synth.errors import ExampleError, Location, SynthError
from synth.rasp import tasks
from synth.rasp.check import Accuracy, accuracy, load_examples
from synth.search.enumeration import Found, Production, Stats, enumerate_terms

BLOCKS = Path(__file__).parent / "library" / "blocks.rasp"
# Attention compares small features: keys and queries of a select, and the selectors combined
# by and/or/not, are at most this big (the paper's programs select on tokens, indices and
# one or two derived s-ops); bigger ones multiply the search for nothing.
SELECT_ARG = 3
# Likewise each argument of a two-argument elementwise map (an MLP reading two features).
MAP_ARG = 4
MASK_SIZE = 2           # a gather's mask (see _Gather) is a boolean at most this big
MAX_CASES = 4           # categorical targets with at most this many values may be split by case
# Conditions found for one case at the same (earliest) size are kept, up to this many, so
# that the chain with the shortest text is taken: examples may admit several, and the
# shorter shares more of its parts (an opener test in both of Dyck's conditions)
RIVALS = 4
# A grouped vote (see _GroupedMean) groups by a key up to GROUP_KEY big (every kept term of
# that size is tried, paired with each second key, so the cost grows with the count of terms
# of that size), a second key up to SECOND_KEY and averages a value up to VOTE_SIZE.
GROUP_KEY = 5
SECOND_KEY = 2
VOTE_SIZE = 3
HEAD_POSITIONS = 80

Example = tuple[tuple, tuple]     # (input tokens, expected output)


@dataclass(frozen=True)
class Budget:
    seconds: float = 240.0
    max_size: int = 12
    max_terms: int = 3_000_000


@dataclass
class Synthesized:
    text: str | None            # the program's RASP text; None: nothing found within the budget
    stats: Stats
    size: int | None = None     # its primitives as the search built it (a block counts one)


def synthesize(examples: Seq[Example], budget: Budget = Budget(),
               name: str = "program") -> Synthesized:
    """The smallest term (by primitive count) whose outputs equal every example's output, as
    RASP text binding it to `name`."""
    examples = check_examples(examples)
    space = _Space(examples, name)
    space.deadline = time.monotonic() + budget.seconds
    stats = Stats()
    text = enumerate_terms(space.leaves(), space.productions(), space.kind_of, space.key,
                           space.goal, max_size=budget.max_size, level_done=space.level_done,
                           seconds=budget.seconds, max_terms=budget.max_terms, stats=stats)
    if text is None:        # out of budget: a chain found but not yet due is still a program
        text = space.level_done(budget.max_size + 1_000)
    return Synthesized(text, stats, space.size if text is not None else None)


def check_examples(examples: Seq[Example], where=None) -> list[Example]:
    """Examples as tuples; each output as long as its input, one output per input."""
    if not examples:
        raise ExampleError("no examples", where=where, expected="at least one input/output pair")
    seen: dict[tuple, tuple] = {}
    out = []
    for i, (inputs, outputs) in enumerate(examples):
        inputs, outputs = tuple(inputs), tuple(outputs)
        if not inputs or len(inputs) != len(outputs):
            raise ExampleError(f"example {i}: the output must be as long as the input, which "
                               "must not be empty", where=where,
                               found=f"{len(inputs)} input and {len(outputs)} output tokens")
        if seen.setdefault(inputs, outputs) != outputs:
            raise ExampleError(f"example {i}: inconsistent examples: the input {list(inputs)} "
                               "has two different outputs", where=where,
                               found=f"{list(seen[inputs])} and {list(outputs)}")
        out.append((inputs, outputs))
    return out


class _Space:
    """The typed terms the search may build over these examples, and its goal."""

    def __init__(self, examples: list[Example], name: str):
        self.inputs = [i for i, _ in examples]
        self.target = [o for _, o in examples]
        self.target_kind = batch.kind(batch.checked(tuple(itertools.chain(*self.target))))
        if self.target_kind is None:
            raise ExampleError("the outputs must all have one type (strings, numbers or "
                               "booleans)", found=", ".join(sorted({type(v).__name__ for o in
                                                                    self.target for v in o})))
        self.batch = batch.Batch(tuple(self.inputs))
        # (due, nodes, size, program) found by a sketch or chain, not yet due: see level_done
        self.pending: list[tuple[int, int, int, sops.SOp]] = []
        self.size: int | None = None                       # the accepted program's size
        self.name = name
        self.input_atoms = sorted(set(itertools.chain(*self.inputs)), key=repr)
        self.output_atoms = sorted(set(itertools.chain(*self.target)), key=repr)
        self.flat_target = tuple(itertools.chain(*self.target))
        lengths = [len(x) for x in self.inputs]
        self.cases = _Cases(np.array(self.flat_target, dtype=object), lengths) if (
            self.target_kind in ("str", "bool") and len(self.output_atoms) <= MAX_CASES) else None
        self.vote = _GroupedMean(lengths, self.cases) if self.cases is not None else None
        self.keys: list[Found] = []                         # group keys not yet tried
        self.deadline = float("inf")                        # the votes' share of the budget
        self.gather = _Gather(self.flat_target, [len(x) for x in self.inputs],
                              [None] + self.default_atoms())

    # values: see batch.py (a flat tuple per s-op, a matrix per input per selector)

    def evaluate(self, node, known: dict[int, object]):
        return self.batch.evaluate(node, known)

    kind_of = staticmethod(batch.kind)

    @staticmethod
    def key(value):
        if isinstance(value[0], np.ndarray):
            return b"".join(np.packbits(m).tobytes() + bytes([len(m)]) for m in value)
        return value

    def default_atoms(self) -> list:
        """Output atoms no input holds: what an aggregate selecting nothing may give."""
        if self.target_kind != "str":
            return []
        return [a for a in self.output_atoms if a not in self.input_atoms]

    def goal(self, found: Found):
        if found.kind == self.target_kind and found.value == self.flat_target:
            return self.accept(found.term, found.size)
        if found.kind == self.target_kind and found.size == 1:
            self.gather.add_values(found)
        if found.kind == "bool" and found.size <= MASK_SIZE:
            self.gather.add_mask(found)
        if found.kind == "num" and (program := self.gather.offer(found)) is not None:
            self.wait(found.size, *program)
        if self.cases is not None:
            chain = None
            if found.kind == "bool":
                chain = self.cases.offer(np.array(found.value, dtype=bool)[None],
                                         lambda _: (found.size, found.size, found.term))
            if found.kind != "sel":
                self.vote.add(found)
                if found.size <= GROUP_KEY:
                    self.keys.append(found)
            if chain is not None:
                self.wait(*chain)
        return None

    def wait(self, due: int, size: int, program: sops.SOp) -> None:
        """Keep an assembled program until it is due; of those due at one size, the one with
        the fewest distinct nodes (the shortest program text) is taken first."""
        bisect.insort(self.pending, (due, _nodes(program), size, program),
                      key=lambda c: c[:2])

    def level_done(self, size: int):
        """A program assembled from parts (an if-chain, a gather) is due at the size of its
        largest enumerated part (a condition, the key): it is taken once every term of that
        size has been tried, so a single term of the same size is preferred."""
        if self.vote is not None and size >= VOTE_SIZE:
            # keys wait until every value a vote may average is known, then go smallest first
            for key in self.keys:
                if time.monotonic() > self.deadline:
                    break
                if (chain := self.vote.offer(key)) is not None:
                    self.wait(*chain)
            self.keys.clear()
        while self.pending and self.pending[0][0] <= size:
            _, _, program_size, node = self.pending.pop(0)
            if (text := self.accept(node, program_size)) is not None:
                return text
        return None

    def accept(self, node, size: int):
        """The node's program text if the reference semantics agrees on every example."""
        text = to_text(node, self.name)
        try:
            program = evaluate(run_text(text, "<synthesized>"), self.name)
            if all(run(program, x).values == y for x, y in zip(self.inputs, self.target)):
                self.size = size
                return text
        except SynthError:
            pass
        return None

    # what the search starts from and grows by

    def leaves(self) -> list[tuple[sops.Node, tuple]]:
        kinds = {type(a) for a in self.input_atoms}
        token_type = "str" if kinds == {str} else "int" if kinds == {int} else "asis"
        nodes = [sops.TOKENS[token_type], sops.INDICES, sops.LENGTH]
        nodes += [v for v in _blocks().values() if isinstance(v, (sops.SOp, sops.Selector))]
        out = []
        for node in nodes:
            if (values := self.evaluate(node, {})) is not None:
                out.append((node, values))
        return out

    def _independent_values(self, template, holes) -> dict[int, object] | None:
        """The values of the template's nodes that read none of the holes (None: one of them
        is invalid on these examples, so the whole production is)."""
        depends = {id(h) for h in holes}
        fixed: dict[int, object] = {}
        for node in sops.postorder(template):
            if id(node) in depends or any(id(c) in depends for c in sops.children(node)):
                depends.add(id(node))
            elif (value := self.evaluate(node, fixed)) is None:
                return None
            else:
                fixed[id(node)] = value
        return fixed

    def productions(self) -> list[Production]:
        p = []

        def primitive(name, kinds, make, commutative=False, max_arg_size=None):
            """A production that adds `make`'s nodes over its arguments. The nodes are built
            once over placeholders, and those that do not read them (a block's own selects)
            are evaluated once, so applying a building block costs only what its arguments
            change."""
            holes = [sops.Constant(0) for _ in kinds]
            template = make(*holes)
            fixed = self._independent_values(template, holes)
            if fixed is None:
                return

            def apply(*values):
                known = dict(fixed)
                known.update(zip(map(id, holes), values))
                return self.evaluate(template, known)
            p.append(Production(name, kinds, apply, make, commutative, max_arg_size))

        for op in ("+", "-", "/"):
            primitive(op, ("num", "num"), lambda a, b, op=op: sops.Map(op, (a, b)), op == "+",
                      MAP_ARG)
        primitive("round", ("num",), lambda a: sops.Map("round", (a,)))
        for c in (1, -1):
            primitive(f"+{c}", ("num",), lambda a, c=c: sops.Map("+", (a, c)))
        primitive("neg", ("num",), lambda a: sops.Map("neg", (a,)))
        primitive("indicator", ("bool",), lambda a: sops.Map("indicator", (a,)))
        primitive("not", ("bool",), lambda a: sops.Map("not", (a,)))
        for op in ("and", "or"):
            primitive(op, ("bool", "bool"), lambda a, b, op=op: sops.Map(op, (a, b)), True, MAP_ARG)
        for op in ("==", "<"):
            primitive(op, ("num", "num"), lambda a, b, op=op: sops.Map(op, (a, b)), op == "==",
                      MAP_ARG)
        for op in ("==", ">", "<"):
            primitive(f"{op}0", ("num",), lambda a, op=op: sops.Map(op, (a, 0)))
        for atom in self.input_atoms:
            kind = batch.kind((atom,))
            primitive(f"=={atom!r}", (kind,), lambda a, atom=atom: sops.Map("==", (a, atom)))
            # counting occurrences of one token is common enough to be one step
            primitive(f"indicator(=={atom!r})", (kind,),
                      lambda a, atom=atom: sops.Map("indicator", (sops.Map("==", (a, atom)),)))
        if len(self.input_atoms) > 2:         # of two atoms, a pair is every token
            # membership of a set of two tokens, RASP's `x in [a, b]` (token classes: vowels,
            # openers, digits) as one step, as ==atom is; bigger sets are unions of these
            for pair in itertools.combinations(self.input_atoms, 2):
                if (kind := batch.kind(pair[:1])) == batch.kind(pair[1:]):
                    primitive(f"in{list(pair)}", (kind,),
                              lambda a, pair=pair: sops.Map("in", (a, pair)))
        for kind in ("num", "str", "bool"):
            ops = ("==",) if kind == "bool" else ("==", "<")
            for op in ops:
                primitive(f"select{op}", (kind, kind),
                          lambda k, q, op=op: sops.Select(k, q, op), max_arg_size=SELECT_ARG)
            primitive("aggregate", ("sel", kind), lambda s, x: sops.Aggregate(s, x))
        for atom in self.output_atoms:
            if atom not in self.input_atoms and self.target_kind == "str":
                primitive(f"aggregate default {atom!r}", ("sel", "str"),
                          lambda s, x, atom=atom: sops.Aggregate(s, x, atom))
        primitive("where", ("bool",), lambda b: sops.Select(b, sops.Constant(True), "=="),
                  max_arg_size=SELECT_ARG)
        primitive("selector_width", ("sel",), lambda s: sops.SelectorWidth(s))
        primitive("sel and", ("sel", "sel"), lambda a, b: sops.SelectorAnd(a, b), True, SELECT_ARG)
        primitive("sel or", ("sel", "sel"), lambda a, b: sops.SelectorOr(a, b), True, SELECT_ARG)
        primitive("sel not", ("sel",), lambda a: sops.SelectorNot(a), max_arg_size=SELECT_ARG)
        for name, function in _blocks().items():
            if isinstance(function, Function):
                # a block with several arguments feeds them to attention: capped like select's
                cap = None if len(function.params) == 1 else SELECT_ARG
                for kinds in itertools.product(("num", "str", "bool"), repeat=len(function.params)):
                    primitive(f"{name}[{','.join(kinds)}]", kinds,
                              lambda *a, f=function: f.interpreter.call_function(f, list(a), None),
                              max_arg_size=cap)
        return p


class _Gather:
    """The sketch `aggregate(select(K, indices, ==) [and select(b, True, ==)], V, d)`, each
    query taking the value of the one key that names it: the hole K is any numerical term the
    search offers, however big; the mask b (a small boolean or none), the values V (a leaf of
    the target's kind) and the default d (an output-only atom or none) are chosen for it.

    Given K, the examples decide everything else: a key j is allowed where its V value is the
    output at position K[j] (not a default there), and b must keep, for every non-default
    output position, exactly one allowed key naming it and no other key naming a position in
    range. This is the witness function of the aggregate (FlashMeta's top-down deduction):
    only K is enumerated, so a gather whose key is a large term costs what the key costs."""

    def __init__(self, target: Seq, lengths: Seq[int], defaults: Seq):
        codes: dict = {}
        self.code = lambda values: np.array([codes.setdefault(v, len(codes)) for v in values])
        self.target = self.code(target)
        self.limit = np.repeat(lengths, lengths)            # each position's sequence length
        self.offset = np.repeat(np.cumsum([0, *lengths[:-1]]), lengths)
        self.n = len(target)
        self.needs = [(d, self.target != (codes[d] if d in codes else -1)) for d in defaults]
        self.values: list[Found] = []                      # V candidates
        self._value_codes: list[np.ndarray] = []
        self.masks: list[Found] = []                       # b candidates
        self.mask_rows = np.zeros((0, self.n), dtype=bool)

    def add_values(self, found: Found) -> None:
        codes = self.code(found.value)
        if np.isin(codes, self.target).any():     # else no key could ever be allowed
            self.values.append(found)
            self._value_codes.append(codes)

    def add_mask(self, found: Found) -> None:
        self.masks.append(found)
        self.mask_rows = np.vstack([self.mask_rows, np.array(found.value, dtype=bool)])

    def offer(self, key: Found) -> tuple[int, sops.SOp] | None:
        """The program with `key` as K, if some mask, values and default complete it, and its
        size."""
        k = np.asarray(key.value, dtype=float)
        valid = (k >= 0) & (k < self.limit) & (k == np.floor(k))
        if not valid.any():
            return None
        names = np.where(valid, self.offset + np.where(valid, k, 0), 0).astype(int)
        for values, codes in zip(self.values, self._value_codes):
            fits = valid & (codes == self.target[names])
            for default, need in self.needs:
                allowed = fits & need[names]
                if not need[np.bincount(names[allowed], minlength=self.n) == 0].any():
                    if (mask := self._mask(valid & ~allowed, allowed, names, need)) is not False:
                        size = key.size + values.size + 3 + (0 if mask is None else mask.size + 2)
                        return size, self._build(key.term, mask and mask.term, values.term,
                                                 default)
        return None

    def _mask(self, forbidden, allowed, names, need):
        """None (no mask), a mask (Found), or False: what keeps exactly one allowed key per
        needed position and no forbidden key."""
        one_each = np.zeros((self.n, self.n), dtype=int)
        one_each[np.flatnonzero(allowed), names[allowed]] = 1
        if not forbidden.any() and (np.ones(self.n, dtype=int) @ one_each == need).all():
            return None
        counts = self.mask_rows.astype(int) @ one_each
        ok = ~(self.mask_rows & forbidden).any(axis=1) & (counts == need).all(axis=1)
        return self.masks[int(np.argmax(ok))] if ok.any() else False

    @staticmethod
    def _build(key, mask, values, default):
        selector = sops.Select(key, sops.INDICES, "==")
        if mask is not None:
            selector = sops.SelectorAnd(selector, sops.Select(mask, sops.Constant(True), "=="))
        return sops.Aggregate(selector, values, default)


class _Cases:
    """Booleans found so far that pick out each output value where no earlier case applies;
    when every value but the last of some order has one, the chain of ifs is a program.

    A case that, in every example, once true stays true ("F from the first unmatched bracket
    on") may also be met as `ever(X)`: X need only be true where the case first holds and false
    before it, whatever it does after (the witness function of ever, as _Gather's is of
    aggregate). Each case is thus a slot with the positions it cares about and the values it
    wants there."""

    def __init__(self, target: np.ndarray, lengths: Seq[int]):
        self.target = target
        self.values = sorted(set(target.tolist()), key=repr)
        self.found: dict[tuple, list[tuple[int, int, sops.SOp]]] = {}   # slot -> its rivals,
        # each (due, size, term)
        self.slots = []                                   # (slot, care, want, through ever)
        for value in self.values:
            others = [v for v in self.values if v != value]
            for r in range(len(others) + 1):
                for earlier in itertools.combinations(others, r):
                    slot = (frozenset(earlier), value)
                    care = ~np.isin(target, list(earlier))
                    want = target == value
                    self.slots.append((slot, care, want, False))
                    if (once := _first_true(care, want, lengths)) is not None:
                        self.slots.append((slot, *once, True))

    def offer(self, columns: np.ndarray, make) -> tuple[int, int, sops.SOp] | None:
        """The best complete chain, if one of these booleans (rows of `columns`) adds a condition
        to some case; `make(row)` gives that boolean's (due, size, term)."""
        new = False
        for slot, care, want, once in self.slots:
            rivals = self.found.setdefault(slot, [])
            if len(rivals) >= RIVALS:
                continue
            hits = ((columns == want) | ~care).all(axis=1)
            if hits.any():
                due, size, term = make(int(np.argmax(hits)))
                if rivals and due > rivals[0][0]:
                    continue            # only conditions as early as the first compete
                if once:
                    ever = _blocks()["ever"]
                    term, size = ever.interpreter.call_function(ever, [term], None), size + 1
                rivals.append((due, size, term))
                new = True
        return self.chain() if new else None

    def could(self, columns: np.ndarray) -> bool:
        """Whether some row of `columns` (on the first positions only) fits an open slot there."""
        n = columns.shape[1]
        return any(((columns == want[:n]) | ~care[:n]).all(axis=1).any()
                   for slot, care, want, _ in self.slots
                   if len(self.found.get(slot, ())) < RIVALS)

    def chain(self) -> tuple[int, int, sops.SOp] | None:
        """The chain whose latest condition is due first, and of those the one with the fewest
        distinct nodes: (when due, its own size, chain)."""
        best, best_rank = None, None
        for order in itertools.permutations(self.values):
            lists = [self.found.get((frozenset(order[:i]), v)) for i, v in enumerate(order[:-1])]
            if not all(lists):
                continue
            for parts in itertools.product(*lists):
                node = order[-1]
                for value, (_, _, condition) in reversed(list(zip(order[:-1], parts))):
                    node = sops.Map("if", (condition, value, node))
                rank = (max(p[0] for p in parts), _nodes(node))
                if best_rank is None or rank < best_rank:
                    best_rank = rank
                    best = (rank[0], sum(p[1] for p in parts) + len(parts), node)
        return best


def _nodes(program: sops.SOp) -> int:
    """Distinct nodes of a program's graph: what its text spells out, shared terms once."""
    return sum(1 for _ in sops.postorder(program))


def _first_true(care: np.ndarray, want: np.ndarray, lengths: Seq[int]):
    """(care, want) for X in `ever(X)` meeting the case (care, want), or None where some example
    has a cared position wanting false after one wanting true. X must be true where the case
    first holds and false at every position before any earlier cared one (else ever would
    turn true too soon); the rest is free."""
    x_care, x_want = np.zeros_like(care), np.zeros_like(want)
    start = 0
    for n in lengths:
        cared = start + np.flatnonzero(care[start:start + n])
        wants = want[cared]
        if (np.diff(wants.astype(int)) < 0).any():
            return None
        first = cared[np.argmax(wants)] if wants.any() else None
        last = (cared[cared < first] if first is not None else cared)
        if last.size:
            x_care[start:last[-1] + 1] = True
        if first is not None:
            x_care[first] = x_want[first] = True
        start += n
    return x_care, x_want


class _GroupedMean:
    """The sketch `round(aggregate(select(K, K, ==) [and select(K2, K2, ==)] and up_to, V)) > 0`:
    whether V averages above one half over the positions up to here that share this one's key
    (a running majority vote within a group, as Dyck-1's found program votes over the whole
    prefix). K is any term the search keeps up to GROUP_KEY, K2 (a second key, or none) and V
    small ones. The votes for one grouping are computed for every V at once and offered to the
    if-chain's cases (_Cases), so only K is enumerated: its size is the sketch's due size.

    Groupings are many (every key times every second key), so cheap filters come first: one
    grouping is computed once (keyed by its groups), and only on the first HEAD_POSITIONS
    positions' examples until some vote there fits a case."""

    def __init__(self, lengths: Seq[int], cases: _Cases):
        self.cases = cases
        self.example = np.repeat(np.arange(len(lengths)), lengths)
        ends = np.cumsum(lengths)
        self.head = int(ends[min(np.searchsorted(ends, HEAD_POSITIONS), len(ends) - 1)])
        self.seconds: list[tuple[Found | None, np.ndarray]] = [
            (None, np.zeros(len(self.example), dtype=np.int64))]
        self.values: list[Found] = []
        self.ballots = np.zeros((len(self.example), 0), dtype=np.int64)
        self.seen_groups: set[bytes] = set()
        self.seen_votes: set[bytes] = set()

    def codes(self, value) -> np.ndarray:
        """Group numbers: equal for two positions of one example with one value."""
        codes: dict = {}
        return np.fromiter((codes.setdefault(p, len(codes)) for p in zip(self.example, value)),
                           dtype=np.int64, count=len(value))

    def add(self, found: Found) -> None:
        if found.size <= SECOND_KEY:
            self.seconds.append((found, self.codes(found.value)))
        # a vote counts ballots: 0/1 values ("is a closer"), so a mean above one half is a
        # majority, and round(mean) > 0 says so exactly, without floating-point ties
        if (found.kind == "num" and found.size <= VOTE_SIZE
                and set(found.value) <= {0, 1}):
            self.values.append(found)
            self.ballots = np.column_stack([self.ballots, np.asarray(found.value, dtype=np.int64)])

    def offer(self, key: Found) -> tuple[int, int, sops.SOp] | None:
        """The best if-chain, if any, that votes grouped by `key` (and a second key) complete
        or improve."""
        if not self.values:
            return None
        first = self.codes(key.value)
        chain = None
        for second, second_codes in self.seconds:
            group = first * (int(second_codes.max()) + 1) + second_codes
            signature = group.tobytes()
            if signature in self.seen_groups:
                continue
            self.seen_groups.add(signature)
            if self.head < len(group) and not self.cases.could(self._votes(group, self.head)):
                continue
            votes = self._votes(group, len(group))
            fresh = [i for i, row in enumerate(votes)
                     if (b := np.packbits(row).tobytes()) not in self.seen_votes
                     and not self.seen_votes.add(b)]
            if fresh:
                # a key constant in each example groups nothing: the vote is written without it
                whole = int(first.max()) == self.example[-1]
                chain = self.cases.offer(votes[fresh], lambda row: self._build(
                    None if whole else key, second, self.values[fresh[row]])) or chain
        return chain

    def _votes(self, group: np.ndarray, n: int) -> np.ndarray:
        """[v, i]: round(mean of ballot v over i's group up to i) > 0, on the first n positions:
        running sums within each group, by a stable sort on the group (no n x n matrix)."""
        order = np.argsort(group[:n], kind="stable")
        sorted_group = group[order]
        starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
        segment = np.repeat(starts, np.diff(np.r_[starts, n]))      # where i's group starts
        sums = np.cumsum(np.vstack([np.zeros((1, self.ballots.shape[1])),
                                    self.ballots[order]]), axis=0)
        counts = np.arange(1, n + 1) - segment
        above = 2 * (sums[1:] - sums[segment]) > counts[:, None]    # round(mean) > 0
        votes = np.empty_like(above)
        votes[order] = above
        return votes.T

    @staticmethod
    def _build(key: Found | None, second: Found | None, values: Found):
        """(due, size, term) of the vote; `up_to` alone where neither key groups."""
        selector, size = _blocks()["up_to"], values.size + 4
        for k in (second, key):
            if k is not None:
                selector = sops.SelectorAnd(sops.Select(k.term, k.term, "=="), selector)
                size += k.size + 2
        node = sops.Map(">", (sops.Map("round", (sops.Aggregate(selector, values.term),)), 0))
        return max(k.size for k in (key, second, values) if k is not None), size, node


@lru_cache(maxsize=1)
def _blocks() -> dict:
    """The building blocks' names and values (s-ops, selectors, functions)."""
    env = run_file(BLOCKS)
    return {k: v for k, v in env.names.items()
            if isinstance(v, (sops.SOp, sops.Selector, Function))}


# From a task or an examples file to a checked report (what the CLI and the benchmark print).

LONGER = 6                      # sampled inputs up to this much longer than the exhaustive ones
LONGER_COUNT = 200


@dataclass
class Report:
    name: str
    result: Synthesized
    exhaustive: Accuracy | None     # None: no oracle (user examples) or nothing found
    longer: Accuracy | None
    on_examples: Accuracy | None
    seconds: float
    compiled: dict | None = None    # the compiler's summary, or why it did not compile

    @property
    def lines(self) -> int | None:
        return None if self.result.text is None else len(self.result.text.splitlines())

    def to_json(self) -> dict:
        headline = self.exhaustive or self.on_examples
        return {"name": self.name, "found": self.result.text is not None,
                "program": self.result.text, "lines": self.lines, "size": self.result.size,
                "accuracy": None if headline is None else headline.share,
                "seconds": round(self.seconds, 3),
                "exhaustive": self.exhaustive and self.exhaustive.to_json(),
                "longer": self.longer and self.longer.to_json(),
                "examples": self.on_examples and self.on_examples.to_json(),
                "search": {"terms_tried": self.result.stats.tried,
                           "terms_kept": self.result.stats.kept,
                           "size_reached": self.result.stats.size},
                "compiled": self.compiled}

    def describe(self) -> str:
        """The program, then what backs it, for people."""
        lines = [self.result.text.rstrip("\n"), "",
                 f"# {self.lines} line{'s' * (self.lines != 1)}, {self.result.size} primitives, "
                 f"found in {self.seconds:.1f} s ({self.result.stats.tried} terms tried, up to "
                 f"size {self.result.stats.size})"]
        for a in (self.exhaustive, self.longer, self.on_examples):
            if a is not None:
                lines.append(f"# accuracy {100 * a.share:.1f}% ({a.correct}/{a.total}), {a.how}")
        if self.compiled is not None:
            c = self.compiled
            lines.append(f"# compiled: {c['layers']} layers, {c['params']} parameters, agrees "
                         f"with the interpreter on {c['verified_inputs']} inputs ({c['verification']})"
                         if "error" not in c else f"# not compiled: {c['error']}")
        return "\n".join(lines) + "\n"


def compile_program(text: str, name: str, vocab, max_len: int) -> dict:
    """The compiler's summary of the program's transformer (synth/rasp/compile.py), or why
    it could not be compiled."""
    from synth import rasp
    node = evaluate(run_text(text, "<synthesized>"), name)
    try:
        return rasp.compile(node, list(vocab), max_len).to_json()
    except SynthError as e:
        return {"error": str(e)}


def synthesize_task(name: str, budget: Budget = Budget(), examples: int | None = None,
                    max_length: int | None = None, seed: int = 0,
                    exhaustive_length: int | None = None) -> Report:
    """Examples drawn from the task (the search sees only them), then the found program checked
    against the task exhaustively on short inputs and on sampled longer ones."""
    t = tasks.task(name)
    start = time.monotonic()
    result = synthesize(t.examples(examples, max_length, seed), budget, name)
    seconds = time.monotonic() - start
    if result.text is None:
        return Report(name, result, None, None, None, seconds)
    vocab = " ".join(t.vocab)
    exhaustive_length = exhaustive_length or t.exhaustive_length
    longer_lengths = range(exhaustive_length + 1, exhaustive_length + LONGER + 1)
    exhaustive = accuracy(result.text, name, t.function, t.all_inputs(exhaustive_length),
                          f"exhaustive: every input of length 1..{exhaustive_length} over {vocab}")
    longer = accuracy(result.text, name, t.function,
                      t.inputs(LONGER_COUNT, longer_lengths, seed + 1),
                      f"sampled: {LONGER_COUNT} random inputs (as the examples are drawn) of length "
                      f"{longer_lengths.start}..{longer_lengths.stop - 1} over {vocab}")
    return Report(name, result, exhaustive, longer, None, seconds,
                  compile_program(result.text, name, t.vocab, exhaustive_length))


def synthesize_file(path: str, budget: Budget = Budget(), name: str = "program") -> Report:
    """A program for a user's examples; with no oracle, only the examples themselves check it."""
    examples = load_examples(path)
    start = time.monotonic()
    try:
        result = synthesize(examples, budget, name)
    except ExampleError as e:
        raise ExampleError(e.what, where=Location(path), found=e.found, expected=e.expected) from None
    seconds = time.monotonic() - start
    if result.text is None:
        return Report(name, result, None, None, None, seconds)
    table = dict(examples)
    on_examples = accuracy(result.text, name, lambda x: list(table[tuple(x)]), table,
                           f"the {len(table)} given examples (no oracle to check more)")
    vocab = sorted({v for x in table for v in x}, key=repr)
    return Report(name, result, None, None, on_examples, seconds,
                  compile_program(result.text, name, vocab, max(len(x) for x in table)))
