"""The sketch: where a guess is not proved, its doubtful parts become holes for the solver.

Two kinds of holes:
  - the choice among a guessed instruction's alternatives (the guesser lists them, e.g. lw or
    lwu): combinations are tried, a bounded number, each one verified;
  - immediates: each immediate the guesser was not sure of (confidence < 1), or failing that
    every immediate of the block, becomes a Hole, and CEGIS (synth.sketch.solver.cegis) over
    the very query the verifier proves finds values that make the block equivalent for every
    input. The filled block is then verified again as plain instructions.
The first version the verifier proves is kept; nothing unproved is returned.
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Callable

import z3

from synth.dsl.asm.ast import Hole, Imm, Instruction, Mem
from synth.errors import SynthError
from synth.sketch.answers import Proved
from synth.sketch.solver import Filled, cegis
from synth.transpile.guess import BlockGuess

MAX_COMBINATIONS = 16
MAX_HOLES = 4


def repair(guess: BlockGuess, check: Callable[[tuple[Instruction, ...]], object],
           query: Callable[[tuple[Instruction, ...]], object] | None = None,
           timeout_ms: int = 5000):
    """(instructions, Proved) for the first proved variant of the guess, or None.

    timeout_ms bounds each solver call of CEGIS (wall clock, so a loaded machine gives up sooner).
    """
    return _alternatives(guess, check) or (
        _immediates(guess, check, query, timeout_ms) if query else None)


def _alternatives(guess: BlockGuess, check):
    doubtful = [k for k, g in enumerate(guess.instructions) if g.alternatives]
    if not doubtful:
        return None
    choices = [[guess.instructions[k].instruction, *guess.instructions[k].alternatives] for k in doubtful]
    for combination in itertools.islice(itertools.product(*choices), 1, MAX_COMBINATIONS + 1):
        target = [g.instruction for g in guess.instructions]
        for k, instr in zip(doubtful, combination):
            target[k] = instr
        answer = check(tuple(target))
        if isinstance(answer, Proved):
            return tuple(target), Proved(answer.method, answer.detail + "; alternatives chosen by the sketch")
    return None


def _sites(guess: BlockGuess) -> list[tuple[int, int]]:
    """(instruction, operand) of the immediates to open: the doubtful ones, else all."""
    every, doubtful = [], []
    for k, g in enumerate(guess.instructions):
        for j, op in enumerate(g.instruction.operands):
            if _immediate(op) is not None:
                every.append((k, j))
                if g.confidence and j < len(g.confidence) and g.confidence[j] < 1:
                    doubtful.append((k, j))
    return (doubtful or every)[:MAX_HOLES]


def _immediate(op):
    if isinstance(op, Imm) and isinstance(op.value, int):
        return op
    if isinstance(op, Mem) and isinstance(op.offset, Imm) and isinstance(op.offset.value, int):
        return op.offset
    return None


def _put(op, value):
    return replace(op, offset=value) if isinstance(op, Mem) else value


def _immediates(guess: BlockGuess, check, query, timeout_ms: int):
    sites = _sites(guess)
    if not sites:
        return None
    target = [g.instruction for g in guess.instructions]
    holes = {}
    for n, (k, j) in enumerate(sites):
        hole = Hole(f"hole!{n}")
        holes[(k, j)] = hole
        ops = list(target[k].operands)
        ops[j] = _put(ops[j], hole)
        target[k] = replace(target[k], operands=tuple(ops))
    try:
        q = query(tuple(target))
    except SynthError:
        return None     # an instruction whose semantics takes no hole there
    variables = [z3.BitVec(h.name, h.bits) for h in holes.values()]
    filled = cegis(list(q.claims), variables, list(q.inputs), timeout_ms=timeout_ms)
    if not isinstance(filled, Filled):
        return None
    for (k, j), hole in holes.items():
        value = filled.values[hole.name].as_signed_long()
        ops = list(target[k].operands)
        ops[j] = _put(ops[j], Imm(value))
        target[k] = replace(target[k], operands=tuple(ops))
    answer = check(tuple(target))
    if isinstance(answer, Proved):
        return tuple(target), Proved(answer.method, answer.detail +
                                     f"; {len(holes)} immediates filled by CEGIS in {filled.rounds} rounds")
    return None
