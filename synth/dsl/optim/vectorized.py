"""Programs as arrays, and one interpreter that runs any of them inside a single XLA computation.

A population is encoded as fixed-shape integer/float arrays, so one jitted training loop serves
every program: no per-program tracing or compilation. Each statement dispatches through
lax.switch on its opcode; under vmap over learning rates or seeds the opcode stays unbatched and
the switch stays a real branch, so a statement costs one function, not the whole function set.
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from synth.dsl.optim.ast import INPUTS, Program, Var
from synth.dsl.optim.functions import FUNCTIONS, OPCODES, Segments

MAX_STATEMENTS = 32
MAX_CONSTANTS = 16
# Registers: the inputs, the program's constants (broadcast once per training run), then one
# result per statement.
_FIRST_CONST = len(INPUTS)
_FIRST_STMT = _FIRST_CONST + MAX_CONSTANTS
REGISTERS = _FIRST_STMT + MAX_STATEMENTS


class Encoded(NamedTuple):
    """One program (or, stacked, a population) as arrays."""
    ops: jax.Array        # (MAX_STATEMENTS,) int32 opcode per statement
    args: jax.Array       # (MAX_STATEMENTS, 3) int32 register of each argument
    consts: jax.Array     # (MAX_CONSTANTS,) float32
    length: jax.Array     # () int32 number of statements
    returns: jax.Array    # (3,) int32 registers of update, m, v


def fits(program: Program) -> bool:
    constants = {a.value for s in program.statements for a in s.args if not isinstance(a, Var)}
    return len(program.statements) <= MAX_STATEMENTS and len(constants) <= MAX_CONSTANTS


def encode(program: Program) -> Encoded:
    """Registers in static single assignment: a reassigned name gets a fresh register."""
    if not fits(program):
        raise ValueError(f"program exceeds {MAX_STATEMENTS} statements or {MAX_CONSTANTS} constants")
    where = {name: i for i, name in enumerate(INPUTS)}
    consts: dict[float, int] = {}
    ops = np.zeros(MAX_STATEMENTS, np.int32)
    args = np.zeros((MAX_STATEMENTS, 3), np.int32)
    for i, s in enumerate(program.statements):
        ops[i] = OPCODES[s.op]
        for j, a in enumerate(s.args):
            if isinstance(a, Var):
                args[i, j] = where[a.name]
            else:
                args[i, j] = consts.setdefault(a.value, _FIRST_CONST + len(consts))
        where[s.target] = _FIRST_STMT + i
    const_values = np.zeros(MAX_CONSTANTS, np.float32)
    for value, reg in consts.items():
        const_values[reg - _FIRST_CONST] = value
    returns = np.array([where[name] for name in program.returns], np.int32)
    return Encoded(ops, args, const_values, np.int32(len(program.statements)), returns)


def stack(programs: list[Program]) -> Encoded:
    """A population as one Encoded whose arrays have a leading program axis."""
    encoded = [encode(p) for p in programs]
    return Encoded(*(np.stack(field) for field in zip(*encoded)))


def _branches(segments: Segments):
    def branch(f):
        return lambda a, b, c: segments.broadcast(f(segments, *(a, b, c)[:f.arity]))
    ordered = sorted(FUNCTIONS.values(), key=lambda f: OPCODES[f.name])
    return [branch(f) for f in ordered]


def registers(enc: Encoded, w) -> jax.Array:
    """A register file for parameters shaped like w, constants filled in.

    Pass the one run_encoded returns back on the next step: refilling it every step would cost
    more than most programs' statements.
    """
    consts = jnp.broadcast_to(jnp.asarray(enc.consts)[:, None], (MAX_CONSTANTS,) + w.shape)
    return jnp.concatenate([jnp.zeros((_FIRST_CONST,) + w.shape, w.dtype), consts.astype(w.dtype),
                            jnp.zeros((MAX_STATEMENTS,) + w.shape, w.dtype)])


def run_encoded(enc: Encoded, segments: Segments, w, g, m, v, lr, regs=None):
    """Same meaning as semantics.run_flat, for an encoded program; returns (update, m, v, regs)."""
    branches = _branches(segments)
    enc = Encoded(*(jnp.asarray(x) for x in enc))
    regs = registers(enc, w) if regs is None else regs
    regs = regs.at[:_FIRST_CONST].set(jnp.stack([w, g, m, v, segments.broadcast(lr)]))

    def statement(i, regs):
        a, b, c = (regs[enc.args[i, j]] for j in range(3))
        result = jax.lax.switch(enc.ops[i], branches, a, b, c)
        return regs.at[_FIRST_STMT + i].set(result)

    regs = jax.lax.fori_loop(0, enc.length, statement, regs)
    return regs[enc.returns[0]], regs[enc.returns[1]], regs[enc.returns[2]], regs
