"""Typed answers to solver-aided queries (verify, synthesize), shared by every DSL.

Each answer says which kind of evidence backs it: a proof, a concrete counterexample, nothing
(Unknown), or random testing. Only `Proved` is a proof; `Tested` never is.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np


@dataclass(frozen=True)
class Proved:
    """Established for every input: by a solver (method "z3") or by construction."""
    method: str
    detail: str = ""

    def describe(self) -> str:
        return f"proved by {self.method}" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True, eq=False)   # holds arrays, whose == is elementwise: compare by identity
class Counterexample:
    """Concrete inputs on which the specification gives `expected` and the candidate `got`."""
    inputs: Mapping[str, Any]
    expected: Any
    got: Any

    def describe(self) -> str:
        inputs = ", ".join(f"{k}={_short(v)}" for k, v in self.inputs.items())
        return f"counterexample: {inputs}; expected {_short(self.expected)}, got {_short(self.got)}"


@dataclass(frozen=True)
class Unknown:
    """No answer: a solver timeout, an unsupported operation, an unreproducible model."""
    reason: str

    def describe(self) -> str:
        return f"unknown: {self.reason}"


@dataclass(frozen=True)
class Tested:
    """Agreement on `cases` random inputs, up to `max_abs_diff`: evidence, not a proof."""
    cases: int
    max_abs_diff: float

    def describe(self) -> str:
        return (f"not proved; agreed on {self.cases} random cases "
                f"(largest absolute difference {self.max_abs_diff:.3g})")


Answer = Proved | Counterexample | Unknown | Tested


def _short(value: Any, width: int = 60) -> str:
    """A one-line rendering of nested tuples/arrays, cut to `width` characters."""
    if isinstance(value, (tuple, list)):
        text = "(" + ", ".join(_short(v, width) for v in value) + ")"
    elif isinstance(value, (np.ndarray, np.generic)) or hasattr(value, "__array__"):
        text = np.array2string(np.asarray(value), precision=4, separator=",", max_line_width=10**6)
    else:
        text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."
