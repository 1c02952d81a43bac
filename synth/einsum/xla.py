"""An expression compiled to XLA: bind shapes, plan the contraction order, lower to jax.lax, jit.

    compile(expr, *operands, **sizes) -> the jitted function of the operands
    hlo(expr, *operands, **sizes)     -> the optimized XLA HLO text of that function

Operands are given as shapes (tuples), arrays, or jax.ShapeDtypeStructs; only their shapes
matter to `compile` (the function works for any dtype), and `hlo` also reads their dtypes
(float32 for plain shapes).
"""
from __future__ import annotations

from collections.abc import Callable

import jax
import numpy as np

from synth.einsum.ast import Expr
from synth.einsum.lower import lower
from synth.einsum.planning import plan
from synth.einsum.shapes import normalize
from synth.einsum.syntax import parse


def compile(expr: Expr | str, *operands, precision=None, **sizes: int) -> Callable[..., jax.Array]:
    """The expression as a jitted XLA computation for operands of these shapes.

    `precision` is passed to every `lax.dot_general` (None: JAX's default, as jnp.einsum).
    """
    expr = parse(expr) if isinstance(expr, str) else expr
    bound = normalize(expr, *(_shape(o) for o in operands), **sizes)
    return jax.jit(lower(bound, plan(bound).path, precision=precision))


def hlo(expr: Expr | str, *operands, precision=None, **sizes: int) -> str:
    """The optimized HLO text XLA compiles the expression to (for this backend)."""
    specs = [o if isinstance(o, jax.ShapeDtypeStruct) else
             jax.ShapeDtypeStruct(_shape(o), o.dtype if hasattr(o, "dtype") else np.float32) for o in operands]
    return compile(expr, *specs, precision=precision, **sizes).lower(*specs).compile().as_text()


def _shape(operand) -> tuple[int, ...]:
    shape = operand.shape if hasattr(operand, "shape") else operand
    return tuple(int(d) for d in shape)
