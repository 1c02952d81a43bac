"""AArch64 immediates: which values a logical instruction can encode, and the mov/movk sequence
that builds any 64-bit value."""
from __future__ import annotations

from synth.dsl.asm.ast import Imm, Instruction, Shift
from synth.transpile.riscv64_to_aarch64.registers import x_reg


def logical_immediate(value: int, bits: int = 64) -> bool:
    """Whether an AArch64 and/orr/eor can take `value` as its bitmask immediate."""
    full = (1 << bits) - 1
    v = value & full
    if v in (0, full):
        return False
    size = bits
    while size > 2 and (v & ((1 << size // 2) - 1)) == (v >> size // 2) & ((1 << size // 2) - 1):
        size //= 2
    element, mask = v & ((1 << size) - 1), (1 << size) - 1
    ones = element.bit_count()
    return any(((element >> r) | (element << (size - r))) & mask == (1 << ones) - 1 for r in range(size))


def move_immediate(dest: str, value: int) -> list[Instruction]:
    """mov (movz or movn) + movk: any 64-bit value into x-register `dest`, fewest instructions."""
    v = value % (1 << 64)
    chunks = [(v >> (16 * k)) & 0xFFFF for k in range(4)]
    nonzero = [k for k in range(4) if chunks[k]]
    nonones = [k for k in range(4) if chunks[k] != 0xFFFF]
    if len(nonones) < len(nonzero):
        first = nonones[0] if nonones else 0
        start = ~(((~chunks[first]) & 0xFFFF) << (16 * first)) if nonones else -1
        rest = nonones[1:]
    else:
        first = nonzero[0] if nonzero else 0
        start = chunks[first] << (16 * first)
        rest = nonzero[1:]
    start = start - (1 << 64) if start >= 1 << 63 else start
    out = [Instruction("mov", (x_reg(dest), Imm(start)))]
    out += [Instruction("movk", (x_reg(dest), Imm(chunks[k]), Shift("lsl", 16 * k)) if k else
                        (x_reg(dest), Imm(chunks[k]))) for k in rest]
    return out


def sext32(value: int) -> int:
    """A 32-bit value sign-extended."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value
