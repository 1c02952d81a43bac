"""What each instruction reads and writes, learned from its semantics, and liveness with widths.

Reads and writes are not tabulated per mnemonic: an instruction is run once on a fresh
symbolic State and its effect read off the resulting terms. A register is written if its term
changed; it is read if its variable occurs in any result. The width read is the highest bit
under every occurrence: a variable that occurs only as Extract(31, 0, x) is read at 32 bits,
so `add w0, w1, w2` needs only the low halves of x1 and x2. That bound is sound by
construction (a bare occurrence counts as the full width), so liveness never under-states
what a block needs.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import z3

from synth.dsl.asm.ast import Instruction
from synth.transpile.machine import Exit, Semantics, State

PREFIX = "in!"


@dataclass(frozen=True)
class Effect:
    reads: dict[str, int]             # register -> bits read (from bit 0)
    writes: frozenset[str]
    memory_write: bool
    exit: Exit | None


@functools.lru_cache(maxsize=None)
def effect(semantics: Semantics, instr: Instruction) -> Effect:
    state = State.symbolic(semantics.widths, PREFIX)
    before = dict(state.regs)
    mem_before = state.mem
    exit = semantics.execute(state, instr)
    writes = frozenset(r for r, v in state.regs.items() if not v.eq(before[r]))
    terms = [state.regs[r] for r in writes] + [state.mem]
    if exit is not None:
        terms += [t for t in (exit.condition, exit.register_target) if t is not None]
    reads: dict[str, int] = {}
    for t in terms:
        _widths(t, reads, set())
    reads = {r[len(PREFIX):]: w for r, w in reads.items() if r[len(PREFIX):] in semantics.widths}
    return Effect(reads, writes, not state.mem.eq(mem_before), exit)


def _widths(t: z3.ExprRef, out: dict[str, int], seen: set) -> None:
    """Record, for every register variable in t, the highest bit it is used at."""
    if t.get_id() in seen:
        return
    seen.add(t.get_id())
    if z3.is_app_of(t, z3.Z3_OP_EXTRACT) and z3.is_const(t.arg(0)) and t.arg(0).decl().name().startswith(PREFIX):
        hi = t.params()[0]
        name = t.arg(0).decl().name()
        out[name] = max(out.get(name, 0), hi + 1)
        return
    if z3.is_const(t) and t.decl().kind() == z3.Z3_OP_UNINTERPRETED:
        name = t.decl().name()
        if name.startswith(PREFIX) and z3.is_bv(t):
            out[name] = max(out.get(name, 0), t.size())
        return
    for child in t.children():
        _widths(child, out, seen)


Demand = dict[str, int]   # register -> bits needed, from bit 0


def merge(a: Demand, b: Demand) -> Demand:
    out = dict(a)
    for r, w in b.items():
        out[r] = max(out.get(r, 0), w)
    return out


def backward(semantics: Semantics, instructions, live: Demand) -> Demand:
    """Demand before a straight-line sequence, given the demand after it."""
    live = dict(live)
    for instr in reversed(instructions):
        e = effect(semantics, instr)
        for r in e.writes:
            live.pop(r, None)
        live = merge(live, e.reads)
    return live


def successors(blocks, index: int, semantics: Semantics) -> tuple[list[int], Exit | None]:
    """Indices of the blocks control may reach after block `index`, and its exit."""
    block = blocks[index]
    by_label = {b.label: b.index for b in blocks if b.label is not None}
    exit = effect(semantics, block.instructions[-1]).exit if block.instructions else None
    following = [index + 1] if index + 1 < len(blocks) else []
    if exit is None or exit.kind == "call":
        return following, exit
    if exit.kind == "branch":
        return [by_label[exit.target]] * (exit.target in by_label) + following, exit
    if exit.kind == "jump":
        return ([by_label[exit.target]] if exit.target in by_label else []), exit
    if exit.kind == "indirect":   # a jump table: any labelled block of the function
        return sorted(by_label.values()), exit
    return [], exit


def liveness(blocks, semantics: Semantics, at_call, at_return, caller_saved: set[str]):
    """(live_in, live_out) per block, to a fixpoint.

    at_call(exit, block) is the demand of the call ending `block` (its arguments), at_return(block)
    that of the return ending it; a call also ends every caller-saved
    register, so what is live after it and caller-saved is not live before it. A jump out of
    the function (a tail call) demands what a call and a return together demand.
    """
    n = len(blocks)
    live_in: list[Demand] = [{} for _ in range(n)]
    live_out: list[Demand] = [{} for _ in range(n)]
    edges = [successors(blocks, i, semantics) for i in range(n)]
    changed = True
    while changed:
        changed = False
        for i in reversed(range(n)):
            succ, exit = edges[i]
            out: Demand = {}
            for j in succ:
                out = merge(out, live_in[j])
            if exit is not None and exit.kind == "return":
                out = merge(out, at_return(blocks[i]))
            elif exit is not None and exit.kind == "call":
                out = merge({r: w for r, w in out.items() if r not in caller_saved}, at_call(exit, blocks[i]))
            elif exit is not None and exit.kind == "jump" and not succ:
                out = merge(at_call(exit, blocks[i]), at_return(blocks[i]))
            new_in = backward(semantics, blocks[i].instructions, out)
            if new_in != live_in[i] or out != live_out[i]:
                live_in[i], live_out[i], changed = new_in, out, True
    return live_in, live_out


def predecessors(blocks, semantics: Semantics) -> list[list[int]]:
    preds: list[list[int]] = [[] for _ in blocks]
    for i in range(len(blocks)):
        for j in successors(blocks, i, semantics)[0]:
            preds[j].append(i)
    return preds


def constant_at_exit(blocks, index: int, register: str, semantics: Semantics, clobbered: set[str],
                     preds: list[list[int]] | None = None, depth: int = 6) -> z3.ExprRef | None:
    """The value a register holds at the end of a block (before its call, if it ends in one)
    when it is the same closed term (a symbol's address, a number) on every path there, else
    None. Each block is run from a fresh symbolic state; a value copied from another register
    is looked up in the predecessors; a call on the way ends the `clobbered` registers."""
    preds = predecessors(blocks, semantics) if preds is None else preds
    state = State.symbolic(semantics.widths, PREFIX)
    for instr in blocks[index].instructions[:-1] if _ends_in_call(blocks[index], semantics) \
            else blocks[index].instructions:
        semantics.execute(state, instr)
    value = z3.simplify(state.regs[register])
    free = {str(v) for v in _variables(value)}
    if not free:
        return value
    names = {n[len(PREFIX):] for n in free if n.startswith(PREFIX)}
    if len(names) != 1 or len(free) != 1 or depth == 0 or not preds[index]:
        return None
    (origin,) = names
    if not value.eq(z3.BitVec(PREFIX + origin, semantics.widths[origin])):
        return None     # a copy of another register, not a computation on it
    if origin in clobbered and any(_ends_in_call(blocks[p], semantics) for p in preds[index]):
        return None
    found = [constant_at_exit(blocks, p, origin, semantics, clobbered, preds, depth - 1)
             for p in preds[index]]
    if any(f is None for f in found) or any(not z3.simplify(f == found[0]).eq(z3.BoolVal(True)) for f in found):
        return None
    return found[0]


def _ends_in_call(block, semantics) -> bool:
    if not block.instructions:
        return False
    exit = effect(semantics, block.instructions[-1]).exit
    return exit is not None and exit.kind == "call"


def _variables(t: z3.ExprRef) -> set:
    """Free constants of a term that are registers or memory (symbols are closed terms)."""
    out, todo, seen = set(), [t], set()
    while todo:
        e = todo.pop()
        if e.get_id() in seen:
            continue
        seen.add(e.get_id())
        if z3.is_const(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            if not e.decl().name().startswith("sym!"):
                out.add(e)
        else:
            todo.extend(e.children())
    return out
