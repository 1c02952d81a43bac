"""Bottom-up enumeration with observational equivalence, generic over any DSL.

Terms grow smallest first from leaves by typed productions. A term's value is what it computes
on every example at once; its signature (kind, key(value)) stands for its behaviour, and only
the first, smallest term of each signature is kept, so two programs that agree on the examples
are never both grown further (the classic OE pruning of Udupa et al. and Albarghouthi et al.).
The DSL supplies the leaves, the productions (how to build a term and compute its value from
its arguments' values) and a goal test; the engine never looks inside terms or values.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Iterator, Sequence


@dataclass(frozen=True)
class Production:
    """One way to build a term: arguments of the given kinds -> a new term.

    `apply(*values)` computes the new term's value from its arguments' values, or returns None
    when the arguments do not fit (a type error, an undefined result); `build(*terms)` makes the
    term. A commutative production is tried with its (equal-kind) arguments in one order only;
    `max_arg_size` bounds each argument's size (a DSL's knowledge of where big terms never help).
    """
    name: str
    arg_kinds: tuple[str, ...]
    apply: Callable[..., Any]
    build: Callable[..., Any]
    commutative: bool = False
    max_arg_size: int | None = None


@dataclass(frozen=True)
class Found:
    term: Any
    value: Any
    kind: str
    size: int


@dataclass
class Stats:
    tried: int = 0          # candidate terms whose value was computed
    kept: int = 0           # terms with a new signature
    size: int = 0           # the largest size completed or under way
    seconds: float = 0.0


@dataclass
class Bank:
    """The kept terms, by kind and size, and every signature seen."""
    by_kind: dict[str, dict[int, list[Found]]] = field(default_factory=dict)
    seen: set[Hashable] = field(default_factory=set)

    def of(self, kind: str, size: int) -> list[Found]:
        return self.by_kind.get(kind, {}).get(size, [])

    def add(self, found: Found) -> None:
        self.by_kind.setdefault(found.kind, {}).setdefault(found.size, []).append(found)


def enumerate_terms(leaves: Sequence[tuple[Any, Any]], productions: Sequence[Production],
                    kind_of: Callable[[Any], str | None], key: Callable[[Any], Hashable],
                    goal: Callable[[Found], Any], max_size: int = 12,
                    level_done: Callable[[int], Any] | None = None,
                    seconds: float = 60.0, max_terms: int = 2_000_000,
                    stats: Stats | None = None) -> Any:
    """Grow terms by size until `goal(found)` returns something other than None (returned), or
    the size, time or term budget runs out (None). `level_done(size)`, called once every term of
    a size has been tried, may also return the answer. Leaves are (term, value) pairs of size 1;
    a production's term has size 1 + its arguments' sizes. `kind_of(value)` is the value's type
    (None: not a usable value); `key(value)` its hashable behaviour."""
    stats = stats if stats is not None else Stats()
    start = time.monotonic()
    bank = Bank()

    def offer(make_term, value, size):
        """Keep a new behaviour; the term is only built then (most candidates repeat one)."""
        kind = kind_of(value)
        if kind is None:
            return None
        signature = (kind, key(value))
        if signature in bank.seen:
            return None
        bank.seen.add(signature)
        found = Found(make_term(), value, kind, size)
        bank.add(found)
        stats.kept += 1
        return goal(found)

    try:
        stats.size = 1
        for term, value in leaves:
            stats.tried += 1
            if (answer := offer(lambda: term, value, 1)) is not None:
                return answer
        for size in range(2, max_size + 1):
            stats.size = size
            for production in productions:
                for args in _arguments(bank, production, size - 1):
                    stats.tried += 1
                    if stats.tried % 512 == 0 and (time.monotonic() - start > seconds
                                                   or stats.tried > max_terms):
                        return None
                    value = production.apply(*(a.value for a in args))
                    if value is None:
                        continue
                    answer = offer(lambda: production.build(*(a.term for a in args)), value, size)
                    if answer is not None:
                        return answer
            if level_done is not None and (answer := level_done(size)) is not None:
                return answer
        return None
    finally:
        stats.seconds = time.monotonic() - start


def _arguments(bank: Bank, production: Production, total: int) -> Iterator[tuple[Found, ...]]:
    """Every tuple of kept terms of the production's kinds whose sizes sum to `total`; snapshot
    lists, so terms added while this size is enumerated wait for the next size."""
    arity = len(production.arg_kinds)
    for sizes in _compositions(total, arity):
        if production.max_arg_size is not None and max(sizes) > production.max_arg_size:
            continue
        pools = [list(bank.of(kind, s)) for kind, s in zip(production.arg_kinds, sizes)]
        if not all(pools):
            continue
        if production.commutative and arity == 2:
            if sizes[0] > sizes[1]:
                continue
            if sizes[0] == sizes[1]:
                yield from itertools.combinations_with_replacement(pools[0], 2)
                continue
        yield from itertools.product(*pools)


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Ordered ways to write `total` as `parts` positive sizes."""
    if parts == 0:
        if total == 0:
            yield ()
        return
    if parts == 1:
        if total >= 1:
            yield (total,)
        return
    for first in range(1, total - parts + 2):
        for rest in _compositions(total - first, parts - 1):
            yield (first,) + rest
