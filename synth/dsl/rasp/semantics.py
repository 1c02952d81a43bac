"""Running s-ops on an input: RASP's values and the meaning of each primitive.

A sequence holds one atom per position, all of one type (bool, int, float or str; ints and
floats mixed count as floats), as the reference REPL checks. Numerical sequences (int, float)
can be averaged; categorical ones (str, bool) only copied, so an aggregate that selects more
than one position of a categorical sequence is an error. A selection is an n x n boolean
matrix, rows are queries and columns keys.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Sequence as Seq

import numpy as np

from synth.dsl.rasp import sops
from synth.errors import EvaluationError, Location, SynthError, TypeError_

NUMERICAL = ("int", "float")


@dataclass(frozen=True)
class Sequence:
    values: tuple
    type: str           # "bool", "int", "float" or "str"

    @property
    def numerical(self) -> bool:
        return self.type in NUMERICAL

    @staticmethod
    def of(values, where: Location | None = None) -> "Sequence":
        return Sequence(tuple(values), type_of(values, where))

    def __str__(self) -> str:
        """As the REPL shows it: [o, l, l, e, h] (strings), floats to 3 places, bools as T/F."""
        plural = {"str": "strings", "bool": "bools", "int": "ints", "float": "floats"}[self.type]
        return "[" + ", ".join(map(_brief, self.values)) + f"] ({plural})"

    def to_json(self) -> dict:
        return {"output": list(self.values), "type": self.type}


@dataclass(frozen=True, eq=False)
class Selection:
    matrix: np.ndarray  # bool, [query, key]

    @property
    def widths(self) -> np.ndarray:
        return self.matrix.sum(axis=1)

    def __str__(self) -> str:
        """One line per query position: 1 where it selects a key."""
        return "\n".join(" ".join("1" if x else "0" for x in row) for row in self.matrix)

    def to_json(self) -> dict:
        return {"selector": self.matrix.astype(int).tolist()}


def type_of(values, where: Location | None = None) -> str:
    """The sequence type of these values, as the reference's lazy type check decides it."""
    for name, kind in (("str", str), ("bool", bool), ("int", int), ("float", float)):
        if all(isinstance(v, kind) for v in values):
            return name
    if all(isinstance(v, (int, float)) for v in values):
        return "float"
    shown = ", ".join(_show(v) for v in values[:8]) + (", ..." if len(values) > 8 else "")
    if all(isinstance(v, (str, bool, int, float)) for v in values):
        raise TypeError_("a sequence's values must all have one type", where=where, found=shown)
    raise TypeError_("a sequence holds atoms only", where=where, found=shown,
                     expected="strings, numbers or booleans")


def run(node: sops.Node, tokens: Seq) -> Sequence | Selection:
    """Evaluate an s-op (or selector) on one input; every node is computed once."""
    if len(tokens) == 0:
        raise EvaluationError("RASP runs on a non-empty input", found="an empty input")
    values: dict[int, Sequence | Selection] = {}
    for n in sops.postorder(node):
        try:
            values[id(n)] = evaluate_node(n, tokens, lambda c: values[id(c)])
        except SynthError:
            raise
        except TypeError as e:       # Python refused the atoms: "a" + 1, "a" < 1
            raise TypeError_(f"{_describe(n)} on values of the wrong type", where=n.at,
                             found=str(e)) from None
        except (ValueError, ZeroDivisionError, OverflowError) as e:
            raise EvaluationError(f"{_describe(n)} failed", where=n.at, found=str(e)) from None
    return values[id(node)]


def evaluate_node(node, tokens, value_of):
    """One node on one input, given its children's values (`value_of`); the synthesizer grows
    programs a node at a time and reuses its children's values this way."""
    n = len(tokens)
    match node:
        case sops.Tokens(type=kind):
            return _tokens(kind, tokens)
        case sops.Indices():
            return Sequence(tuple(range(n)), "int")
        case sops.Constant(value=value):
            return Sequence.of([value] * n, node.at)
        case sops.Map(op=op, args=args):
            columns = [value_of(a).values if isinstance(a, sops.SOp) else [a] * n for a in args]
            function = ELEMENTWISE[op]
            return Sequence.of([function(*row) for row in zip(*columns)], node.at)
        case sops.Aggregate(selector=selector, sop=sop, default=default):
            return aggregate(value_of(selector), value_of(sop), default, node.at)
        case sops.SelectorWidth(selector=selector):
            return Sequence(tuple(int(w) for w in value_of(selector).widths), "int")
        case sops.Select(keys=keys, queries=queries, op=op):
            return select(value_of(keys), value_of(queries), op)
        case sops.SelectorAnd(left=left, right=right):
            return Selection(value_of(left).matrix & value_of(right).matrix)
        case sops.SelectorOr(left=left, right=right):
            return Selection(value_of(left).matrix | value_of(right).matrix)
        case sops.SelectorNot(selector=selector):
            return Selection(~value_of(selector).matrix)
    raise TypeError(f"not an s-op or selector: {node!r}")


def select(keys: Sequence, queries: Sequence, op: str) -> Selection:
    """matrix[q, k] = keys[k] op queries[q], with Python's comparison of the two atoms."""
    k = np.empty(len(keys.values), dtype=object)
    q = np.empty(len(queries.values), dtype=object)
    k[:], q[:] = keys.values, queries.values
    return Selection(np.asarray(_COMPARE[op](k[None, :], q[:, None]), dtype=bool))


def aggregate(selection: Selection, sequence: Sequence, default=None,
              where: Location | None = None) -> Sequence:
    """Per query: the selected value if one is selected, their mean if several (numerical
    sequences only), `default` (0 when None) if none."""
    m = selection.matrix
    if m.shape != (len(sequence.values),) * 2:
        raise TypeError_("aggregate over a selector and a sequence of different lengths",
                         where=where, found=f"{m.shape[0]} x {m.shape[1]} and {len(sequence.values)}")
    out = []
    for row in m:
        chosen = [sequence.values[j] for j in np.flatnonzero(row)]
        if not chosen:
            out.append(0 if default is None else default)
        elif len(chosen) == 1:
            out.append(chosen[0])
        elif sequence.numerical:
            out.append(sum(chosen) / len(chosen))
        else:
            raise TypeError_(f"aggregate averages {len(chosen)} positions of a categorical "
                             f"({sequence.type}) sequence", where=where,
                             found=", ".join(_show(v) for v in chosen[:8]),
                             expected="a selector choosing at most one position, or numbers")
    return Sequence.of(out, where)


def _tokens(kind: str, tokens: Seq) -> Sequence:
    convert = {"str": str, "int": int, "float": float, "bool": bool, "asis": lambda t: t}[kind]
    values = []
    for i, t in enumerate(tokens):
        try:
            values.append(convert(t))
        except (TypeError, ValueError):
            raise EvaluationError(f"tokens_{kind}: input token {i} is not {_ARTICLE[kind]}",
                                  where=Location("input"), found=repr(t)) from None
    return Sequence.of(values, Location("input"))


def _brief(v) -> str:
    if isinstance(v, bool):
        return "T" if v else "F"
    return str(round(v, 3)) if isinstance(v, float) else str(v)


def _show(v) -> str:
    return f'"{v}"' if isinstance(v, str) else str(v)


def _describe(node) -> str:
    match node:
        case sops.Map(op=op):
            return f"elementwise {op!r}"
    return type(node).__name__


_ARTICLE = {"int": "an int", "float": "a float", "bool": "a bool", "str": "a str", "asis": "an atom"}

_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt,
            "<=": operator.le, ">=": operator.ge}

# Each Map op on one position's atoms (interpret.py applies the binary ones to plain atoms too).
ELEMENTWISE = {**_COMPARE, "+": operator.add, "-": operator.sub, "*": operator.mul,
               "/": operator.truediv, "%": operator.mod, "^": pow,
               "and": lambda a, b: bool(a) and bool(b), "or": lambda a, b: bool(a) or bool(b),
               "in": lambda a, container: a in container,
               "not": lambda a: not a, "neg": operator.neg, "pos": operator.pos, "round": round,
               "indicator": lambda a: 1 if a else 0, "if": lambda c, a, b: a if c else b}
