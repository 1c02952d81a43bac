"""RASP's abstract syntax: small frozen dataclasses, so a program is a hashable value.

Every node records where it was written (`at`), which takes no part in equality: a program
parsed from two differently laid out texts is the same value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from synth.errors import Location

# Names the grammar keeps for itself, and names a program may read but never assign.
KEYWORDS = frozenset({"and", "or", "not", "in", "if", "else", "for", "def", "return", "load",
                      "select"})
BUILTIN_FUNCTIONS = {  # name -> (fewest, most) arguments; None: no upper bound
    "aggregate": (2, 3), "selector_width": (1, 1), "indicator": (1, 1), "round": (1, 1),
    "range": (1, 3), "len": (1, 1), "zip": (1, None)}
CONSTANT_NAMES = frozenset({"tokens_str", "tokens_int", "tokens_float", "tokens_bool",
                            "tokens_asis", "indices", "True", "False"})
RESERVED = KEYWORDS | CONSTANT_NAMES | frozenset(BUILTIN_FUNCTIONS) | {"out"}  # out: last bare expression

COMPARISONS = ("==", "!=", "<", ">", "<=", ">=")
ARITHMETIC = ("+", "-", "*", "/", "%", "^")
BINARY_OPS = ARITHMETIC + COMPARISONS + ("and", "or", "in")
UNARY_OPS = ("not", "-", "+")

_NAME = re.compile(r"[a-zA-Z_][a-zA-Z_0-9]*\Z")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?\Z")


def is_name(text: str) -> bool:
    """A valid identifier that is not a keyword."""
    return bool(_NAME.match(text)) and text not in KEYWORDS


@dataclass(frozen=True)
class Node:
    at: Location | None = field(default=None, compare=False, repr=False, kw_only=True)


# Expressions


@dataclass(frozen=True)
class Num(Node):
    """A non-negative number as written: "3" is an int, "3.0" a float (RASP has no exponents)."""
    text: str

    def __post_init__(self):
        if not _NUMBER.match(self.text):
            raise ValueError(f"not a RASP number: {self.text!r} (negate with Unary('-', ...))")

    @property
    def value(self) -> int | float:
        return float(self.text) if "." in self.text else int(self.text)


@dataclass(frozen=True)
class Str(Node):
    value: str

    def __post_init__(self):
        if '"' in self.value or "\n" in self.value or "\r" in self.value:
            raise ValueError(f"RASP strings cannot hold quotes or line breaks: {self.value!r}")


@dataclass(frozen=True)
class Name(Node):
    id: str


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class ListComp(Node):
    """`[element for targets in iterable]`; several targets unpack each item."""
    element: Expr
    targets: tuple[str, ...]
    iterable: Expr


@dataclass(frozen=True)
class Index(Node):
    target: Expr
    index: Expr


@dataclass(frozen=True)
class Call(Node):
    """A built-in (aggregate, selector_width, ...), a def'd function, or an s-op applied to an input."""
    func: Expr
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Select(Node):
    """`select(keys, queries, op)`: query position q attends to key position k iff keys[k] op queries[q]."""
    keys: Expr
    queries: Expr
    op: str


@dataclass(frozen=True)
class Unary(Node):
    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class IfElse(Node):
    """`then if cond else orelse`."""
    then: Expr
    cond: Expr
    orelse: Expr


Expr = Num | Str | Name | ListLit | ListComp | Index | Call | Select | Unary | Binary | IfElse


# Statements


@dataclass(frozen=True)
class Assign(Node):
    target: str
    value: Expr


@dataclass(frozen=True)
class ExprStatement(Node):
    """A bare expression; its value is bound to `out`, as in the REPL."""
    expr: Expr


@dataclass(frozen=True)
class Load(Node):
    """`load "name";`: runs name.rasp (beside this file, else from the library) and imports its
    names, except those starting with an underscore."""
    path: str


@dataclass(frozen=True)
class Def(Node):
    """`def name(params) { body; return result; }`."""
    name: str
    params: tuple[str, ...]
    body: tuple[Statement, ...]
    result: Expr


Statement = Assign | ExprStatement | Load | Def


@dataclass(frozen=True)
class Program(Node):
    statements: tuple[Statement, ...]

    def __str__(self) -> str:
        from synth.dsl.rasp.syntax import format_program
        return format_program(self)
