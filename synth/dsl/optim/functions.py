"""The function set of the paper, each with its JAX semantics over flattened parameters.

Values are float32 arrays: the parameters' flat vector (shape (n,)) or a scalar (shape ()).
Per-tensor reductions (norm, dot, cosine_sim) need to know where each tensor starts, so every
implementation receives a Segments context. Partial functions are totalised, as in the paper:
sqrt and log take |x|, division and the logs guard against zero, arcsin clips its argument.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import jax
import jax.numpy as jnp

# A denominator smaller than this is replaced by it (keeping its sign): finite, never NaN.
TINY = 1e-30


@dataclass(frozen=True)
class Segments:
    """Which tensor of the parameter pytree each element of the flat vector belongs to."""
    ids: jax.Array          # (n,) int32
    count: int

    def broadcast(self, x):
        return jnp.broadcast_to(x, self.ids.shape)

    def tensor_sum(self, x):
        """Sum within each tensor, broadcast back to every element of that tensor."""
        x = self.broadcast(x)
        return jax.ops.segment_sum(x, self.ids, num_segments=self.count)[self.ids]

    def global_sum(self, x):
        return jnp.sum(self.broadcast(x))


def _guard(y):
    return jnp.where(jnp.abs(y) < TINY, jnp.where(y < 0, -TINY, TINY), y)


def _div(s, x, y):
    return x / _guard(y)


def _log(f):
    return lambda s, x: f(jnp.maximum(jnp.abs(x), TINY))


def _norm(s, x):
    return jnp.sqrt(s.tensor_sum(jnp.square(x)))


def _cosine_sim(s, x, y):
    return s.tensor_sum(x * y) / (_norm(s, x) * _norm(s, y) + 1e-12)


@dataclass(frozen=True)
class Function:
    name: str
    arity: int
    impl: Callable   # (segments, *args) -> value
    infix: str | None = None

    def __call__(self, segments: Segments, *args):
        return self.impl(segments, *args)


def _elementwise(f):
    return lambda s, *args: f(*args)


_TABLE = [
    Function("add", 2, _elementwise(jnp.add), "+"),
    Function("sub", 2, _elementwise(jnp.subtract), "-"),
    Function("mul", 2, _elementwise(jnp.multiply), "*"),
    Function("div", 2, _div, "/"),
    Function("max", 2, _elementwise(jnp.maximum)),
    Function("min", 2, _elementwise(jnp.minimum)),
    Function("power", 2, _elementwise(lambda x, y: jnp.power(jnp.maximum(jnp.abs(x), TINY), y))),
    Function("clip", 2, _elementwise(lambda x, c: jnp.clip(x, -jnp.abs(c), jnp.abs(c)))),
    Function("interp", 3, _elementwise(lambda x, y, a: (1 - a) * x + a * y)),
    Function("abs", 1, _elementwise(jnp.abs)),
    Function("sign", 1, _elementwise(jnp.sign)),
    Function("negative", 1, _elementwise(jnp.negative)),
    Function("reciprocal", 1, lambda s, x: 1.0 / _guard(x)),
    Function("square", 1, _elementwise(jnp.square)),
    Function("cube", 1, _elementwise(lambda x: x * x * x)),
    Function("sqrt", 1, _elementwise(lambda x: jnp.sqrt(jnp.abs(x)))),
    Function("cbrt", 1, _elementwise(jnp.cbrt)),
    Function("exp", 1, _elementwise(jnp.exp)),
    Function("expm1", 1, _elementwise(jnp.expm1)),
    Function("log", 1, _log(jnp.log)),
    Function("log1p", 1, _elementwise(lambda x: jnp.log1p(jnp.abs(x)))),
    Function("sin", 1, _elementwise(jnp.sin)),
    Function("cos", 1, _elementwise(jnp.cos)),
    Function("tanh", 1, _elementwise(jnp.tanh)),
    Function("arcsin", 1, _elementwise(lambda x: jnp.arcsin(jnp.clip(x, -1.0, 1.0)))),
    Function("arctan", 1, _elementwise(jnp.arctan)),
    Function("sigmoid", 1, _elementwise(jax.nn.sigmoid)),
    Function("norm", 1, _norm),
    Function("global_norm", 1, lambda s, x: jnp.sqrt(s.global_sum(jnp.square(x)))),
    Function("dot", 2, lambda s, x, y: s.tensor_sum(x * y)),
    Function("cosine_sim", 2, _cosine_sim),
]

FUNCTIONS: dict[str, Function] = {f.name: f for f in _TABLE}
INFIX: dict[str, str] = {f.infix: f.name for f in _TABLE if f.infix}
# Index of each function in lax.switch dispatch; stable because _TABLE's order is.
OPCODES: dict[str, int] = {f.name: i for i, f in enumerate(_TABLE)}
