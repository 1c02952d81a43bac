"""RASP's semantics on a batch of inputs at once, for search: an s-op's value is one flat tuple
over all inputs laid end to end (elementwise maps run once over it), a selector's value one
boolean matrix per input. It mirrors synth/dsl/rasp/semantics.py, which stays the reference:
whatever the search finds is run again there before it is reported."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence as Seq

import numpy as np

from synth.dsl.rasp import sops
from synth.dsl.rasp.semantics import ELEMENTWISE, evaluate_node

Invalid = None          # a node whose value RASP would refuse (mixed types, averaged text)


@dataclass(frozen=True)
class Batch:
    inputs: tuple[tuple, ...]

    @property
    def bounds(self) -> list[tuple[int, int]]:
        out, start = [], 0
        for x in self.inputs:
            out.append((start, start + len(x)))
            start += len(x)
        return out

    def evaluate(self, node: sops.Node, known: dict[int, object]):
        """node's value on the batch, reusing the values of the nodes in `known` (by id)."""
        values = dict(known)
        for n in sops.postorder(node):
            if id(n) not in values:
                try:
                    values[id(n)] = self._step(n, lambda c: values[id(c)])
                except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                    return Invalid
                if values[id(n)] is Invalid:
                    return Invalid
        return values[id(node)]

    def _step(self, node, value_of):
        match node:
            case sops.Tokens() | sops.Indices() | sops.Constant():
                return checked(tuple(v for x in self.inputs
                                      for v in evaluate_node(node, x, None).values))
            case sops.Map(op=op, args=args):
                n = sum(len(x) for x in self.inputs)
                columns = [value_of(a) if isinstance(a, sops.SOp) else (a,) * n for a in args]
                return checked(tuple(map(ELEMENTWISE[op], *columns)))
            case sops.Select(keys=keys, queries=queries, op=op):
                k, q = value_of(keys), value_of(queries)
                compare = _COMPARE[op]
                return tuple(compare(_array(k[a:b])[None, :], _array(q[a:b])[:, None]).astype(bool)
                             for a, b in self.bounds)
            case sops.SelectorAnd(left=l, right=r):
                return tuple(x & y for x, y in zip(value_of(l), value_of(r)))
            case sops.SelectorOr(left=l, right=r):
                return tuple(x | y for x, y in zip(value_of(l), value_of(r)))
            case sops.SelectorNot(selector=s):
                return tuple(~x for x in value_of(s))
            case sops.SelectorWidth(selector=s):
                return tuple(int(w) for m in value_of(s) for w in m.sum(axis=1))
            case sops.Aggregate(selector=s, sop=x, default=default):
                return self._aggregate(value_of(s), value_of(x), 0 if default is None else default)
        raise TypeError(f"not an s-op or selector: {node!r}")

    def _aggregate(self, matrices, values: tuple, default):
        numerical = not isinstance(values[0], (str, bool))
        out = []
        for m, (a, b) in zip(matrices, self.bounds):
            x = values[a:b]
            widths = m.sum(axis=1)
            if numerical:
                means = (m @ np.asarray(x, dtype=float)) / np.maximum(widths, 1)
                out += [default if w == 0 else x[int(np.argmax(row))] if w == 1 else float(v)
                        for row, w, v in zip(m, widths, means)]
            else:
                if (widths > 1).any():
                    return Invalid
                out += [x[int(np.argmax(row))] if w else default for row, w in zip(m, widths)]
        return checked(tuple(out))


def kind(value) -> str | None:
    """"sel", "num", "str" or "bool"; None for a value RASP would refuse."""
    if value is Invalid:
        return None
    if isinstance(value[0], np.ndarray):
        return "sel"
    first = type(value[0])
    return "bool" if first is bool else "str" if first is str else "num"


def checked(values: tuple):
    """The values if they share one RASP type (ints and floats together are numbers)."""
    types = set(map(type, values))
    if len(types) == 1 or types == {int, float}:
        return values
    return Invalid


def _array(values: Seq) -> np.ndarray:
    a = np.empty(len(values), dtype=object)
    a[:] = values
    return a


_COMPARE = {"==": np.equal, "!=": np.not_equal, "<": np.less, ">": np.greater,
            "<=": np.less_equal, ">=": np.greater_equal}
