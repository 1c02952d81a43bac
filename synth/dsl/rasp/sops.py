"""What a RASP program computes: a graph of s-ops and selectors, independent of any input.

Interpreting a program (interpret.py) runs its functions, lists and comprehensions and leaves
only these primitives; running them on an input is semantics.py, counting layers and heads is
analysis.py, and a compiler to transformer weights walks the same graph.

Nodes compare by identity, as in the reference REPL: two `select(...)` expressions written
twice are two attention patterns (two heads), one selector used twice is one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union

from synth.errors import Location

Atom = Union[int, float, str, bool]
TOKEN_TYPES = ("str", "int", "float", "bool", "asis")   # tokens_str ... tokens_asis

# Elementwise operations: name -> arity. Binary ones use Python's operator on each position
# (`^` is power, `in` tests membership in a list constant); `if` is (cond, then, else).
MAP_OPS = {**{op: 2 for op in ("+", "-", "*", "/", "%", "^", "==", "!=", "<", ">", "<=", ">=",
                                 "and", "or", "in")},
           "not": 1, "neg": 1, "pos": 1, "round": 1, "indicator": 1, "if": 3}


@dataclass(frozen=True, eq=False)
class SOp:
    """A sequence operation: maps an input of length n to n values."""
    at: Location | None = field(default=None, repr=False, kw_only=True)


@dataclass(frozen=True, eq=False)
class Selector:
    """An attention pattern: maps an input of length n to an n x n boolean matrix [query, key]."""
    at: Location | None = field(default=None, repr=False, kw_only=True)


@dataclass(frozen=True, eq=False)
class Tokens(SOp):
    type: str       # one of TOKEN_TYPES: how each input token is converted


@dataclass(frozen=True, eq=False)
class Indices(SOp):
    pass


@dataclass(frozen=True, eq=False)
class Constant(SOp):
    """One atom at every position (an atom used where a sequence is needed, as in select(1, 1, ==))."""
    value: Atom


@dataclass(frozen=True, eq=False)
class Map(SOp):
    """An elementwise operation (an MLP); arguments are s-ops or constants broadcast to every position."""
    op: str
    args: tuple[SOp | Atom | tuple, ...]


@dataclass(frozen=True, eq=False)
class Aggregate(SOp):
    """Each query position takes the mean of `sop` over the keys it selects: the one value if
    exactly one is selected, `default` (0 when None) if none is; averaging needs numbers."""
    selector: Selector
    sop: SOp
    default: Atom | None = None


@dataclass(frozen=True, eq=False)
class SelectorWidth(SOp):
    """How many keys each query position selects."""
    selector: Selector


@dataclass(frozen=True, eq=False)
class Select(Selector):
    """Query position q selects key position k iff keys[k] `op` queries[q]."""
    keys: SOp
    queries: SOp
    op: str


@dataclass(frozen=True, eq=False)
class SelectorAnd(Selector):
    left: Selector
    right: Selector


@dataclass(frozen=True, eq=False)
class SelectorOr(Selector):
    left: Selector
    right: Selector


@dataclass(frozen=True, eq=False)
class SelectorNot(Selector):
    selector: Selector


Node = SOp | Selector

TOKENS = {t: Tokens(t) for t in TOKEN_TYPES}
INDICES = Indices()
FULL = Select(Constant(1), Constant(1), "==")   # every query selects every key (rasplib's full_s)
LENGTH = SelectorWidth(FULL)                      # the input length at every position


def children(node: Node) -> tuple[Node, ...]:
    """The s-ops and selectors a node reads."""
    match node:
        case Map(args=args):
            return tuple(a for a in args if isinstance(a, (SOp, Selector)))
        case Aggregate(selector=selector, sop=sop):
            return (selector, sop)
        case SelectorWidth(selector=selector) | SelectorNot(selector=selector):
            return (selector,)
        case Select(keys=keys, queries=queries):
            return (keys, queries)
        case SelectorAnd(left=left, right=right) | SelectorOr(left=left, right=right):
            return (left, right)
    return ()


def postorder(root: Node) -> Iterator[Node]:
    """Every node root depends on, each once, after the nodes it reads (no recursion: programs
    may be deep)."""
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            yield node
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(children(node)) if id(c) not in seen)
