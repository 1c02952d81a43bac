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
from synth.transpile import abi
from synth.transpile.machine import Exit, Semantics, State, UnsupportedInstruction, symbol

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


def liveness(blocks, semantics: Semantics, at_call, at_return, ended):
    """(live_in, live_out) per block, to a fixpoint.

    at_call(exit, block) is the demand of the call ending `block` (its arguments), at_return(block)
    that of the return ending it; a call also ends the registers ended(exit) names (those the
    callee may change), so what is live after it and ended is not live before it, while what
    it leaves alone is. A jump out of the function (a tail call) demands what a call and a
    return together demand.
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
                gone = ended(exit)
                out = merge({r: w for r, w in out.items() if r not in gone}, at_call(exit, blocks[i]))
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
                     preds: list[list[int]] | None = None) -> z3.ExprRef | None:
    """The value a register holds at the end of a block (before its call, if it ends in one)
    when it is the same closed term (a symbol's address, a number) on every path there, else
    None (see `constants_before`)."""
    values = constants_before(blocks, index, _end(blocks[index], semantics), register, semantics,
                              clobbered, preds=preds)
    if not values or any(not z3.simplify(v == values[0]).eq(z3.BoolVal(True)) for v in values[1:]):
        return None
    return values[0]


def constants_before(blocks, index: int, position: int, register: str, semantics: Semantics,
                     clobbered: set[str], frame: tuple[str, ...] = (),
                     preds: list[list[int]] | None = None) -> list[z3.ExprRef] | None:
    """Every closed term (a symbol's address, a number) `register` may hold before instruction
    `position` of block `index`; None where some path gives it any other value, or the
    caller's.

    Each block is run from a fresh symbolic state. A value computed from registers the block
    does not set is computed again from their values at the end of every predecessor (a call
    on the way ends the `clobbered` registers; going round a loop adds nothing). With `frame`
    registers (stack and frame pointer), a value loaded from a slot at a fixed offset from one
    of them is what any instruction of the function stores to that slot: gcc spills a pointer
    hoisted out of a loop that way. That reading takes the frame registers to hold one address
    throughout the function and nothing else to write the slot, which is gcc's frame layout
    but no proof.
    """
    try:
        preds = predecessors(blocks, semantics) if preds is None else preds
        memory = State.symbolic({}, PREFIX).mem
        frame_names = {PREFIX + r for r in frame}
        found: dict[str, z3.ExprRef] = {}
        seen: set = set()
        # (block, position, term): the closed values of the term (over the entry values of the
        # registers, and memory) evaluated before that instruction
        work = [(index, position, z3.BitVec(PREFIX + register, semantics.widths[register]))]
        while work:
            b, upto, term = work.pop()
            if (b, upto, term.sexpr()) in seen:
                continue
            seen.add((b, upto, term.sexpr()))
            if len(seen) > _VISITS_PER_BLOCK * len(blocks):
                return None
            state = _run(semantics, blocks[b].instructions[:upto])
            value = z3.simplify(z3.substitute(term, *_bindings(term, state)))
            names = {v.decl().name() for v in _variables(value)}
            if not names:
                found[value.sexpr()] = value
            elif not names <= {PREFIX + r for r in semantics.widths} | {memory.decl().name()}:
                return None
            elif memory.decl().name() not in names:
                if b == 0 or not preds[b]:
                    return None       # the caller's value
                if any(_ends_in_call(blocks[p], semantics) for p in preds[b]) and \
                        {PREFIX + r for r in clobbered} & names:
                    return None
                work += [(p, _end(blocks[p], semantics), value) for p in preds[b]]
            elif names & frame_names and names <= frame_names | {memory.decl().name()}:
                stores = list(_stores_to(blocks, value, memory, semantics))
                if not stores:
                    return None
                work += stores
            else:
                return None
        return list(found.values()) or None
    except UnsupportedInstruction:
        return None


def printf_signature(blocks, index: int, position: int, callee: str, semantics: Semantics,
                     strings: dict[str, str], frame: tuple[str, ...] = ()) -> abi.Signature | None:
    """The signature of a call to a printf-family function (abi.PRINTF_FAMILY) before
    instruction `position` of block `index`: its fixed arguments, then the variadic ones its
    format string consumes, when every string constant (`strings`, label -> text) that may
    reach the format argument there consumes the same; else None, as for other callees.
    `frame`: as for constants_before (a guess may follow spilled formats, a proof should not)."""
    if callee not in abi.PRINTF_FAMILY:
        return None
    library = abi.LIBRARY[callee]
    conv = abi.ABI[semantics.isa]
    values = constants_before(blocks, index, position, conv["int_args"][library.fixed - 1], semantics,
                              conv["caller_saved"], frame)
    texts = [string_at(v, strings) for v in values or [None]]
    kinds = {abi.printf_arguments(text) for text in texts if text is not None}
    if None in texts or len(kinds) != 1:
        return None
    return abi.Signature(library.args + kinds.pop(), library.returns, library.fixed)


def string_at(address: z3.ExprRef | None, strings: dict[str, str]) -> str | None:
    """The text from `address` on, when it is a closed term pointing into one of the string
    constants (label -> text): the label's symbol plus an offset within its text."""
    if address is None:
        return None
    names = {e.decl().name() for e in _symbols(address)}
    if len(names) != 1:
        return None
    name = names.pop()[len(_SYMBOL):]
    offset = z3.simplify(address - symbol(name))
    if name not in strings or not z3.is_bv_value(offset) or offset.as_long() > len(strings[name]):
        return None
    return strings[name][offset.as_long():]


def _stores_to(blocks, loaded: z3.ExprRef, memory: z3.ExprRef, semantics: Semantics):
    """(block, position, term) for each instruction of the function that stores what `loaded`
    (a load from the entry `memory`) reads: the stored term, over the registers before that
    instruction. Stores elsewhere, or to part of it, are passed over."""
    for j, block in enumerate(blocks):
        for i, instr in enumerate(block.instructions):
            written = _run(semantics, (instr,)).mem
            if written.eq(memory):
                continue
            stored = z3.simplify(z3.substitute(loaded, (memory, written)))
            if memory.decl().name() not in {v.decl().name() for v in _variables(stored)}:
                yield j, i, stored


# A term that changes every time round a loop (a counter) is no constant: the search gives up
# after visiting each block this many times on average.
_VISITS_PER_BLOCK = 8


def _bindings(term: z3.ExprRef, state: State) -> list[tuple[z3.ExprRef, z3.ExprRef]]:
    """Each entry variable of `term` paired with its value in `state`."""
    out = []
    for v in _variables(term):
        name = v.decl().name()[len(PREFIX):]
        out.append((v, state.mem if name == "mem" else state.regs[name]))
    return out


@functools.lru_cache(maxsize=4096)
def _run(semantics: Semantics, instructions: tuple[Instruction, ...]) -> State:
    """The state after running instructions from a fresh symbolic one (read, never changed)."""
    state = State.symbolic(semantics.widths, PREFIX)
    for instr in instructions:
        semantics.execute(state, instr)
    return state


def _end(block, semantics: Semantics) -> int:
    """How many of a block's instructions run before it leaves (all but a final call)."""
    return len(block.instructions) - _ends_in_call(block, semantics)


def _ends_in_call(block, semantics) -> bool:
    if not block.instructions:
        return False
    exit = effect(semantics, block.instructions[-1]).exit
    return exit is not None and exit.kind == "call"


def _variables(t: z3.ExprRef) -> set:
    """Free constants of a term that are registers or memory (symbols are closed terms)."""
    return {c for c in _constants(t) if not c.decl().name().startswith(_SYMBOL)}


def _symbols(t: z3.ExprRef) -> set:
    """The symbols (machine.symbol) a term names."""
    return {c for c in _constants(t) if c.decl().name().startswith(_SYMBOL)}


_SYMBOL = symbol("").decl().name()      # the prefix of every symbol's name


def _constants(t: z3.ExprRef) -> set:
    out, todo, seen = set(), [t], set()
    while todo:
        e = todo.pop()
        if e.get_id() in seen:
            continue
        seen.add(e.get_id())
        if z3.is_const(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            out.add(e)
        else:
            todo.extend(e.children())
    return out
