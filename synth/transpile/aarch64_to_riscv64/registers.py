"""Register names: AArch64 operands to canonical names with their width and file, and RISC-V
canonical names to the ABI names the target listing uses; AArch64's caller-saved classes."""
from __future__ import annotations

import re

from synth.dsl.asm.ast import Mem, Reg, RegList

_X_ABI = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", *(f"a{i}" for i in range(8)),
          *(f"s{i}" for i in range(2, 12)), "t3", "t4", "t5", "t6"]
_F_ABI = [*(f"ft{i}" for i in range(8)), "fs0", "fs1", *(f"fa{i}" for i in range(8)),
          *(f"fs{i}" for i in range(2, 12)), *(f"ft{i}" for i in range(8, 12))]


def canonical_x(name: str) -> str:
    """a0 -> x10 (the inverse of abi_name, for integer registers)."""
    return f"x{_X_ABI.index(name)}" if name in _X_ABI else name


def abi_name(canonical: str) -> str:
    """x10 -> a0, f10 -> fa0."""
    return (_X_ABI if canonical[0] == "x" else _F_ABI)[int(canonical[1:])]


_SRC_REG = re.compile(r"(?P<k>[xw])(?P<n>\d+)|(?P<f>[bhsdq])(?P<m>\d+)|(?P<v>v)(?P<o>\d+)")
_FP_BITS = {"b": 8, "h": 16, "s": 32, "d": 64, "q": 128}


def source_reg(reg: Reg) -> tuple[str, int, str]:
    """(canonical name, bits, "int" | "fp") of an AArch64 register operand; zr is "zr"."""
    name = reg.name
    if name in ("xzr", "wzr"):
        return "zr", 64 if name[0] == "x" else 32, "int"
    if name in ("sp", "wsp"):
        return "sp", 64 if name == "sp" else 32, "int"
    m = _SRC_REG.fullmatch(name)
    if m is None:
        raise ValueError(f"not an aarch64 register: {name}")
    if m["k"]:
        return f"x{m['n']}", 64 if m["k"] == "x" else 32, "int"
    if m["f"]:
        return f"v{m['m']}", _FP_BITS[m["f"]], "fp"
    bits = 128
    if reg.lane is not None:
        bits = {"b": 8, "h": 16, "s": 32, "d": 64}.get((reg.arrangement or "d")[-1], 64)
    elif reg.arrangement in ("8b", "4h", "2s", "1d"):
        bits = 64
    return f"v{m['o']}", bits, "fp"


def regs_of(op) -> list[Reg]:
    """The register operands inside an operand (a register list, a memory operand's base and
    index)."""
    if isinstance(op, Reg):
        return [op]
    if isinstance(op, RegList):
        return list(op.regs)
    if isinstance(op, Mem):
        return [op.base] + ([op.offset] if isinstance(op.offset, Reg) else [])
    return []


# AArch64's caller-saved registers (AAPCS64), without the flags.
CALLER_SAVED_X = [f"x{i}" for i in range(19)] + ["x30"]
CALLER_SAVED = frozenset(CALLER_SAVED_X) | {f"v{i}" for i in list(range(8)) + list(range(16, 32))}
