"""The function set of the paper, written once for any array module (jax.numpy or NumPy).

Values are float arrays: the parameters' flat vector (shape (n,), or (rows, n) for a batch of
states) or a scalar. Per-tensor reductions (norm, dot, cosine_sim) need to know where each
tensor starts, so every implementation receives a segments context that also carries the array
module. Partial functions are totalised, as in the paper: sqrt and log take |x|, division and the
logs guard against zero, arcsin clips its argument.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

# A denominator smaller than this is replaced by it (keeping its sign): finite, never NaN.
TINY = 1e-30


@dataclass(frozen=True)
class Segments:
    """Which tensor of the parameter pytree each element of the flat vector belongs to (JAX)."""
    ids: jax.Array          # (n,) int32
    count: int
    xp: Any = jnp

    def broadcast(self, x):
        return jnp.broadcast_to(x, self.ids.shape)

    def tensor_sum(self, x):
        """Sum within each tensor, broadcast back to every element of that tensor."""
        return jax.ops.segment_sum(self.broadcast(x), self.ids, num_segments=self.count)[self.ids]

    def global_sum(self, x):
        return jnp.sum(self.broadcast(x))


@dataclass(frozen=True)
class RowSegments:
    """The NumPy counterpart over a batch of states: arrays of shape (rows, n)."""
    sizes: tuple[int, ...]
    rows: int
    xp: Any = np

    @property
    def shape(self):
        return (self.rows, sum(self.sizes))

    def broadcast(self, x):
        return np.broadcast_to(x, self.shape)

    def tensor_sum(self, x):
        starts = np.cumsum((0,) + self.sizes[:-1])
        ids = np.repeat(np.arange(len(self.sizes)), self.sizes)
        return np.add.reduceat(self.broadcast(x), starts, axis=1)[:, ids]

    def global_sum(self, x):
        return np.sum(self.broadcast(x), axis=1, keepdims=True)


def guard(xp, y):
    return xp.where(xp.abs(y) < TINY, xp.where(y < 0, -TINY, TINY), y)


def _norm(xp, s, x):
    return xp.sqrt(s.tensor_sum(xp.square(x)))


@dataclass(frozen=True)
class Function:
    name: str
    arity: int
    impl: Callable   # (array module, segments, *args) -> value
    infix: str | None = None

    def __call__(self, segments, *args):
        return self.impl(segments.xp, segments, *args)


_TABLE = [
    Function("add", 2, lambda xp, s, x, y: x + y, "+"),
    Function("sub", 2, lambda xp, s, x, y: x - y, "-"),
    Function("mul", 2, lambda xp, s, x, y: x * y, "*"),
    Function("div", 2, lambda xp, s, x, y: x / guard(xp, y), "/"),
    Function("max", 2, lambda xp, s, x, y: xp.maximum(x, y)),
    Function("min", 2, lambda xp, s, x, y: xp.minimum(x, y)),
    Function("power", 2, lambda xp, s, x, y: xp.power(xp.maximum(xp.abs(x), TINY), y)),
    Function("clip", 2, lambda xp, s, x, c: xp.minimum(xp.maximum(x, -xp.abs(c)), xp.abs(c))),
    Function("interp", 3, lambda xp, s, x, y, a: (1 - a) * x + a * y),
    Function("abs", 1, lambda xp, s, x: xp.abs(x)),
    Function("sign", 1, lambda xp, s, x: xp.sign(x)),
    Function("negative", 1, lambda xp, s, x: -x),
    Function("reciprocal", 1, lambda xp, s, x: 1.0 / guard(xp, x)),
    Function("square", 1, lambda xp, s, x: xp.square(x)),
    Function("cube", 1, lambda xp, s, x: x * x * x),
    Function("sqrt", 1, lambda xp, s, x: xp.sqrt(xp.abs(x))),
    Function("cbrt", 1, lambda xp, s, x: xp.cbrt(x)),
    Function("exp", 1, lambda xp, s, x: xp.exp(x)),
    Function("expm1", 1, lambda xp, s, x: xp.expm1(x)),
    Function("log", 1, lambda xp, s, x: xp.log(xp.maximum(xp.abs(x), TINY))),
    Function("log1p", 1, lambda xp, s, x: xp.log1p(xp.abs(x))),
    Function("sin", 1, lambda xp, s, x: xp.sin(x)),
    Function("cos", 1, lambda xp, s, x: xp.cos(x)),
    Function("tanh", 1, lambda xp, s, x: xp.tanh(x)),
    Function("arcsin", 1, lambda xp, s, x: xp.arcsin(xp.clip(x, -1.0, 1.0))),
    Function("arctan", 1, lambda xp, s, x: xp.arctan(x)),
    Function("sigmoid", 1, lambda xp, s, x: 1.0 / (1.0 + xp.exp(-x))),
    Function("norm", 1, _norm),
    Function("global_norm", 1, lambda xp, s, x: xp.sqrt(s.global_sum(xp.square(x)))),
    Function("dot", 2, lambda xp, s, x, y: s.tensor_sum(x * y)),
    Function("cosine_sim", 2, lambda xp, s, x, y: s.tensor_sum(x * y) / (
        _norm(xp, s, x) * _norm(xp, s, y) + 1e-12)),
]

FUNCTIONS: dict[str, Function] = {f.name: f for f in _TABLE}
INFIX: dict[str, str] = {f.infix: f.name for f in _TABLE if f.infix}
# Index of each function in lax.switch dispatch; stable because _TABLE's order is.
OPCODES: dict[str, int] = {f.name: i for i, f in enumerate(_TABLE)}
