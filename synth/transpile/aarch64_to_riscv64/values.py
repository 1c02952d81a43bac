"""Small shared pieces of the block rules: the signal that a rule does not apply, RISC-V
operands from Python values, immediates, and what is known of the upper half of a 32-bit value
in a 64-bit register (RISC-V keeps words sign-extended; AArch64 zero-extends its w results)."""
from __future__ import annotations

from dataclasses import replace

from synth.dsl.asm.ast import Imm, Reg, Sym


class Unsupported(Exception):
    """Raised by a rule for a source instruction it cannot translate."""


# What the upper 32 bits of a register holding a 32-bit value are known to be: its sign
# extension, zeros, both (bit 31 is clear), or unknown (None).
SEXT, ZEXT, BOTH = "sext", "zext", "both"


def operand(x):
    """A RISC-V operand: a register by its ABI name, an immediate, or the operand itself."""
    if isinstance(x, str):
        return Reg(x)
    if isinstance(x, bool):
        raise TypeError(x)
    if isinstance(x, int):
        return Imm(x)
    return x


def fits12(v: int) -> bool:
    return -2048 <= v <= 2047


def sext32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def signed64(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >> 63 else v


def logic_state(op: str, a: str | None, b: str | None) -> str | None:
    """The extension state of `a op b` (and, or, xor) from those of a and b."""
    sa, za = a in (SEXT, BOTH), a in (ZEXT, BOTH)
    sb, zb = b in (SEXT, BOTH), b in (ZEXT, BOTH)
    if op == "and":
        s, z = sa and sb, za or zb
    else:
        s, z = sa and sb, za and zb
    if z and (s or op == "and" and (a == BOTH or b == BOTH)):
        return BOTH
    return ZEXT if z else SEXT if s else None


def plus(off, k: int):
    """An offset (a number or a symbol) k bytes further."""
    if isinstance(off, Sym):
        return replace(off, addend=off.addend + k)
    return off + k
