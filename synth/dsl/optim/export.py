"""Write a program out: as a standalone Python module (jax + optax only) and as XLA HLO text."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from synth.dsl.optim.ast import Program, Var
from synth.dsl.optim.functions import TINY, Segments
from synth.dsl.optim.semantics import check_shapes, run_flat

# Python expression of each function over flat vectors, mirroring functions.py; `seg` holds
# the segment ids and `nseg` their count. tests/test_optim_export.py checks the two agree.
_EXPRESSIONS = {
    "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "div": "{0} / _guard({1})",
    "max": "jnp.maximum({0}, {1})", "min": "jnp.minimum({0}, {1})",
    "power": "jnp.power(jnp.maximum(jnp.abs({0}), TINY), {1})",
    "clip": "jnp.minimum(jnp.maximum({0}, -jnp.abs({1})), jnp.abs({1}))",
    "interp": "(1 - {2}) * {0} + {2} * {1}",
    "abs": "jnp.abs({0})", "sign": "jnp.sign({0})", "negative": "-{0}",
    "reciprocal": "1.0 / _guard({0})", "square": "jnp.square({0})", "cube": "{0} * {0} * {0}",
    "sqrt": "jnp.sqrt(jnp.abs({0}))", "cbrt": "jnp.cbrt({0})", "exp": "jnp.exp({0})",
    "expm1": "jnp.expm1({0})", "log": "jnp.log(jnp.maximum(jnp.abs({0}), TINY))",
    "log1p": "jnp.log1p(jnp.abs({0}))", "sin": "jnp.sin({0})", "cos": "jnp.cos({0})",
    "tanh": "jnp.tanh({0})", "arcsin": "jnp.arcsin(jnp.clip({0}, -1.0, 1.0))",
    "arctan": "jnp.arctan({0})", "sigmoid": "1.0 / (1.0 + jnp.exp(-{0}))",
    "norm": "jnp.sqrt(_tensor_sum(jnp.square({0}), seg, nseg))",
    "global_norm": "jnp.sqrt(jnp.sum(jnp.broadcast_to(jnp.square({0}), seg.shape)))",
    "dot": "_tensor_sum({0} * {1}, seg, nseg)",
    "cosine_sim": "_tensor_sum({0} * {1}, seg, nseg) / (jnp.sqrt(_tensor_sum(jnp.square({0}), seg, nseg))"
                  " * jnp.sqrt(_tensor_sum(jnp.square({1}), seg, nseg)) + 1e-12)",
}

_MODULE = '''"""Optimizer found by synth (synth discover --space optimizers). Needs only jax and optax.

{program_comment}
"""
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax.flatten_util import ravel_pytree

TINY = {tiny!r}


def _guard(y):
    return jnp.where(jnp.abs(y) < TINY, jnp.where(y < 0, -TINY, TINY), y)


def _tensor_sum(x, seg, nseg):
    x = jnp.broadcast_to(x, seg.shape)
    return jax.ops.segment_sum(x, seg, num_segments=nseg)[seg]


def update_rule(w, g, m, v, lr, seg, nseg):
    """One step on flat parameter vectors; returns (update, m, v). The update is subtracted."""
{body}
    return {returns}


class State(NamedTuple):
    m: optax.Updates
    v: optax.Updates
    count: jax.Array


def optimizer(learning_rate) -> optax.GradientTransformation:
    """learning_rate: a float or an optax schedule (step -> lr)."""

    def init(params):
        zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
        return State(zeros, zeros, jnp.zeros((), jnp.int32))

    def update(grads, state, params=None):
        if params is None:
            raise ValueError("this optimizer reads the weights: pass params to update()")
        w, unravel = ravel_pytree(params)
        sizes = [leaf.size for leaf in jax.tree_util.tree_leaves(params)]
        seg = jnp.repeat(jnp.arange(len(sizes)), jnp.asarray(sizes), total_repeat_length=w.size)
        lr = learning_rate(state.count) if callable(learning_rate) else learning_rate
        flat = [ravel_pytree(x)[0] for x in (grads, state.m, state.v)]
        step, m, v = update_rule(w, *flat, jnp.float32(lr), seg, len(sizes))
        step, m, v = (jnp.broadcast_to(x, w.shape) for x in (step, m, v))
        return unravel(-step), State(unravel(m), unravel(v), state.count + 1)

    return optax.GradientTransformation(init, update)
'''


def to_python_module(program: Program) -> str:
    """Source of a module defining optimizer(learning_rate) -> optax.GradientTransformation."""
    check_shapes(program)
    from synth.dsl.optim.syntax import format_program

    def atom(a):
        return a.name if isinstance(a, Var) else f"jnp.float32({a.value!r})"

    lines = [f"    {s.target} = " + _EXPRESSIONS[s.op].format(*map(atom, s.args))
             for s in program.statements]
    comment = "\n".join(format_program(program).rstrip().splitlines())
    return _MODULE.format(program_comment=comment, tiny=TINY, body="\n".join(lines) or "    pass",
                          returns=", ".join(program.returns))


def hlo_text(program: Program, n: int = 4096) -> str:
    """Optimized XLA HLO of the jit-compiled update on flat parameters of size n (one tensor)."""
    segments = Segments(jnp.zeros(n, jnp.int32), 1)
    vec = jax.ShapeDtypeStruct((n,), jnp.float32)
    lowered = jax.jit(lambda w, g, m, v, lr: run_flat(program, segments, w, g, m, v, lr)).lower(
        vec, vec, vec, vec, jax.ShapeDtypeStruct((), jnp.float32))
    return lowered.compile().as_text()
