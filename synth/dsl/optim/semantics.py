"""Concrete semantics of optimizer programs in JAX: over flat vectors, over pytrees, and as optax."""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax.flatten_util import ravel_pytree

from synth.dsl.optim.ast import INPUTS, Program, Var
from synth.dsl.optim.functions import FUNCTIONS, Segments
from synth.errors import ShapeError


def run_flat(program: Program, segments: Segments, w, g, m, v, lr):
    """Run the program on flat parameter vectors; returns (update, m, v)."""
    env = dict(zip(INPUTS, (w, g, m, v, jnp.asarray(lr, jnp.float32))))
    for s in program.statements:
        args = [env[a.name] if isinstance(a, Var) else jnp.float32(a.value) for a in s.args]
        env[s.target] = FUNCTIONS[s.op](segments, *args)
    return tuple(segments.broadcast(env[name]) for name in program.returns)


def segments_of(tree) -> Segments:
    """The Segments of a parameter pytree, in ravel_pytree's order."""
    sizes = [int(jnp.size(leaf)) for leaf in jax.tree_util.tree_leaves(tree)]
    ids = jnp.repeat(jnp.arange(len(sizes), dtype=jnp.int32), jnp.asarray(sizes),
                     total_repeat_length=sum(sizes))
    return Segments(ids, len(sizes))


def run(program: Program, w, g, m, v, lr):
    """Run the program on parameter pytrees w, g, m, v (same structure) and a scalar lr."""
    flat_w, unravel = ravel_pytree(w)
    segments = segments_of(w)
    flat = [ravel_pytree(x)[0] for x in (g, m, v)]
    return tuple(unravel(x) for x in run_flat(program, segments, flat_w, *flat, lr))


def check_shapes(program: Program, n: int = 3) -> None:
    """Abstract execution: raise ShapeError unless update, m and v are parameter-shaped floats."""
    segments = Segments(jnp.zeros(n, jnp.int32), 1)
    vec = jax.ShapeDtypeStruct((n,), jnp.float32)

    def unbroadcast(*args):
        env = dict(zip(INPUTS, args))
        for s in program.statements:
            vals = [env[a.name] if isinstance(a, Var) else jnp.float32(a.value) for a in s.args]
            env[s.target] = FUNCTIONS[s.op](segments, *vals)
        return tuple(env[name] for name in program.returns)

    outs = jax.eval_shape(unbroadcast, vec, vec, vec, vec, jax.ShapeDtypeStruct((), jnp.float32))
    for name, role, out in zip(program.returns, ("update", "m", "v"), outs):
        if out.shape != (n,) or out.dtype != jnp.float32:
            raise ShapeError(f"the returned {role} {name!r} does not have the parameters' shape",
                             found=f"shape {out.shape} {out.dtype}", expected=f"shape ({n},) float32")


def is_well_shaped(program: Program) -> bool:
    try:
        check_shapes(program)
        return True
    except ShapeError:
        return False


class ProgramState(NamedTuple):
    m: optax.Updates
    v: optax.Updates
    count: jax.Array


def to_optax(program: Program, learning_rate) -> optax.GradientTransformation:
    """An optax transformation whose updates are -update (optax adds updates to params)."""
    check_shapes(program)

    def init(params):
        zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
        return ProgramState(zeros, zeros, jnp.zeros((), jnp.int32))

    def update(grads, state, params=None):
        if params is None:
            raise ValueError("this optimizer reads the weights: pass params to update()")
        lr = learning_rate(state.count) if callable(learning_rate) else learning_rate
        step, m, v = run(program, params, grads, state.m, state.v, lr)
        return jax.tree_util.tree_map(jnp.negative, step), ProgramState(m, v, state.count + 1)

    return optax.GradientTransformation(init, update)
