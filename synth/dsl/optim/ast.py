"""The optimizer DSL's abstract syntax: small frozen dataclasses, so a program is a hashable value."""
from __future__ import annotations

import math
from dataclasses import dataclass

INPUTS = ("w", "g", "m", "v", "lr")
OUTPUTS = ("update", "m", "v")
NAMED_CONSTANTS = {"pi": math.pi, "e": math.e, "eps": 1e-8}


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Const:
    value: float
    name: str | None = None  # pi, e or eps: formatted by name

    def __post_init__(self):
        object.__setattr__(self, "value", float(self.value))


Atom = Var | Const


@dataclass(frozen=True)
class Statement:
    target: str
    op: str
    args: tuple[Atom, ...]


@dataclass(frozen=True)
class Program:
    """`def train(w, g, m, v, lr): <statements>; return update, m, v`; the update is subtracted from w."""
    statements: tuple[Statement, ...]
    returns: tuple[str, str, str] = OUTPUTS

    def __str__(self) -> str:
        from synth.dsl.optim.syntax import format_program
        return format_program(self)

    def to_optax(self, learning_rate):
        """This program as an optax.GradientTransformation (learning_rate: float or schedule)."""
        from synth.dsl.optim.semantics import to_optax
        return to_optax(self, learning_rate)

    @property
    def defined(self) -> tuple[str, ...]:
        return INPUTS + tuple(s.target for s in self.statements)
