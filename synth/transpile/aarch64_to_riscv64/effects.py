"""What each source instruction reads and writes among the integer registers, and at which width,
for liveness with widths (which 32-bit results are later read at 64 bits). Calls read the
arguments their callee reads: a function of the listing, what its entry needs; a library
function, its signature (printf's from its format string)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from synth.dsl.asm.ast import Instruction, Mem, Reg, Shift, Sym
from synth.transpile import abi
from synth.transpile.aarch64_to_riscv64.mnemonics import (
    COMPARES,
    LOADS,
    STORES,
    branch_condition,
    is_control,
)
from synth.transpile.aarch64_to_riscv64.registers import CALLER_SAVED_X, source_reg
from synth.transpile.cfg import Block

if TYPE_CHECKING:
    from synth.transpile.aarch64_to_riscv64.analysis import Analysis, FunctionInfo

# Low bits of the result depend only on the low bits of the sources: a 32-bit need stays 32.
_LOWBITS = frozenset(["mov", "add", "sub", "mul", "madd", "msub", "mneg", "and", "orr", "eor", "bic",
                      "orn", "eon", "mvn", "neg", "lsl", "csel", "csinc", "csinv", "csneg", "cinc",
                      "cinv", "cneg"])
_RET_READS = [f"x{i}" for i in range(19, 30)] + ["sp"]


@dataclass
class Effect:
    """Integer registers read (with the bits read) and written; `lowbits`: the result's low
    32 bits depend only on the operands' low 32 bits."""
    reads: dict[str, int] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)
    lowbits: bool = False


def _read(eff: Effect, reg: str, bits: int) -> None:
    if reg not in ("zr",):
        eff.reads[reg] = max(eff.reads.get(reg, 0), 32 if bits <= 32 else 64)


def _int_operand(op) -> tuple[str, int] | None:
    if isinstance(op, Reg):
        name, bits, kind = source_reg(op)
        if kind == "int":
            return name, bits
    return None


def _mem_reads(eff: Effect, mem: Mem) -> None:
    _read(eff, source_reg(mem.base)[0], 64)
    if isinstance(mem.offset, Reg):
        name, bits, _ = source_reg(mem.offset)
        _read(eff, name, bits)
    if mem.mode in ("pre", "post"):
        eff.writes.append(source_reg(mem.base)[0])


def effect(analysis: Analysis, info: FunctionInfo, block: Block, k: int) -> Effect:
    """What instruction k of block reads and writes among the integer registers."""
    instr = block.instructions[k]
    mn, ops = instr.mnemonic, instr.operands
    eff = Effect()
    if mn == "b":
        target = ops[0].name if ops and isinstance(ops[0], Sym) else None
        if target is not None and target not in info.labels:   # a tail call
            _call_reads(analysis, eff, info, block, k, target)
            for r in _RET_READS:
                _read(eff, r, 64)
        return eff
    if branch_condition(mn) or mn == "nop":
        return eff
    if mn in ("cbz", "cbnz"):
        name, bits = _int_operand(ops[0])
        _read(eff, name, bits)
        return eff
    if mn in ("tbz", "tbnz"):
        name, bits = _int_operand(ops[0])
        _read(eff, name, 32 if ops[1].value < 32 else 64)
        return eff
    if mn in ("bl", "blr"):
        if mn == "bl":
            _call_reads(analysis, eff, info, block, k, ops[0].name)
        else:
            _read(eff, source_reg(ops[0])[0], 64)
            for r in abi.ABI["aarch64"]["int_args"]:
                _read(eff, r, 64)
        callee = ops[0].name if mn == "bl" else None
        if callee in analysis.clobbers:
            eff.writes.extend(r for r in CALLER_SAVED_X if r in analysis.clobbers[callee] or r == "x30")
        else:
            eff.writes.extend(CALLER_SAVED_X)
        return eff
    if mn == "br":
        _read(eff, source_reg(ops[0])[0], 64)
        return eff
    if mn == "ret":
        _read(eff, "x0", info.return_bits)
        _read(eff, "x30", 64)
        for r in _RET_READS:
            _read(eff, r, 64)
        return eff
    if STORES.match(mn) or mn in COMPARES or mn == "prfm":
        for op in ops:
            if isinstance(op, Mem):
                _mem_reads(eff, op)
            elif (x := _int_operand(op)) is not None:
                _read(eff, *x)
        return eff
    if LOADS.match(mn):
        for op in ops:
            if isinstance(op, Mem):
                _mem_reads(eff, op)
            elif (x := _int_operand(op)) is not None:
                eff.writes.append(x[0])
        return eff
    # Everything else writes its first operand and reads the rest.
    dest, *rest = ops or (None,)
    if mn in ("movk", "bfi", "bfxil") and (x := _int_operand(dest)) is not None:
        _read(eff, *x)
    if (x := _int_operand(dest)) is not None:
        eff.writes.append(x[0])
    if mn in ("ins", "mov") and isinstance(dest, Reg) and dest.lane is not None:
        eff.writes.clear()
    widths = None
    if mn in ("ubfx", "sbfx", "bfxil"):
        widths = ops[2].value + ops[3].value
    elif mn in ("ubfiz", "sbfiz", "bfi"):
        widths = ops[3].value
    for op in rest:
        if (x := _int_operand(op)) is not None:
            _read(eff, x[0], min(x[1], widths) if widths else x[1])
    eff.lowbits = mn in _LOWBITS and not any(
        isinstance(op, Shift) and op.op in ("lsr", "asr", "ror") for op in ops)
    return eff


def _call_reads(analysis: Analysis, eff: Effect, info: FunctionInfo, block: Block, k: int, callee: str) -> None:
    """A call reads what the callee's entry reads of the argument registers (all of them, in
    full, for a callee of the listing not analysed yet), or its signature's arguments."""
    callee_info = analysis.infos.get(callee)
    if callee_info is not None and callee_info.live_in:
        for r, bits in callee_info.live_in[0].items():
            if r in abi.ABI["aarch64"]["int_args"] or r == "x8":
                _read(eff, r, bits)
        return
    if callee_info is not None:
        for r in abi.ABI["aarch64"]["int_args"] + ["x8"]:
            _read(eff, r, 64)
        return
    signature = analysis.signature(info.function, block, k, callee)
    if signature is None:
        for r in abi.ABI["aarch64"]["int_args"]:
            _read(eff, r, 64)
        return
    for (place, _), kind in zip(abi.argument_places("aarch64", signature), signature.args):
        if place.startswith("x"):
            _read(eff, place, 32 if kind.endswith("32") else 64)


def writes_simple(instr: Instruction) -> set[str]:
    """The integer registers an instruction writes as its destination (a call: the
    caller-saved ones)."""
    mn = instr.mnemonic
    if mn in ("bl", "blr"):
        return set(CALLER_SAVED_X)
    if STORES.match(mn) or mn in COMPARES or not instr.operands or is_control(instr):
        return set()
    out = set()
    if (x := _int_operand(instr.operands[0])) is not None:
        out.add(x[0])
    if mn in ("ldp", "ldpsw") and (x := _int_operand(instr.operands[1])) is not None:
        out.add(x[0])
    return out


def transfer(eff: Effect, live: dict[str, int]) -> dict[str, int]:
    """The demand (register -> bits) before an instruction, given the demand after it."""
    before = dict(live)
    need = max((live.get(w, 0) for w in eff.writes), default=0)
    for w in eff.writes:
        before.pop(w, None)
    for r, bits in eff.reads.items():
        if eff.lowbits:
            bits = min(bits, 32 if need <= 32 else 64)
        before[r] = max(before.get(r, 0), bits)
    return before
