"""What the rules and analyses need to know of AArch64 mnemonics: which store, load, compare,
set or read the flags, or transfer control, and which condition codes hold for given flags."""
from __future__ import annotations

import re

from synth.dsl.asm.ast import Instruction, Keyword

STORES = re.compile(r"^(str|strb|strh|stur|sturb|sturh|stlr|stlrb|stlrh|stp|stnp|st1)$")
LOADS = re.compile(r"^(ldr|ldrb|ldrh|ldrsb|ldrsh|ldrsw|ldur|ldurb|ldurh|ldursb|ldursh|ldursw|"
                   r"ldar|ldarb|ldarh|ldp|ldpsw|ldnp|ld1)$")
COMPARES = frozenset(["cmp", "cmn", "tst", "ccmp", "ccmn", "fcmp", "fcmpe", "fccmp", "fccmpe"])
FLAG_SETTERS = COMPARES | frozenset(["adds", "subs", "ands", "bics", "negs", "ngcs", "adcs", "sbcs"])
FLAG_READERS = frozenset(["csel", "csinc", "csinv", "csneg", "cset", "csetm", "cinc", "cinv", "cneg",
                          "fcsel", "ccmp", "ccmn", "fccmp", "fccmpe", "adc", "sbc", "ngc"])
_CONDITIONS = ("eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge",
               "lt", "gt", "le", "al", "nv")
INVERSE = {"eq": "ne", "ne": "eq", "cs": "cc", "hs": "lo", "cc": "cs", "lo": "hs", "mi": "pl",
           "pl": "mi", "vs": "vc", "vc": "vs", "hi": "ls", "ls": "hi", "ge": "lt", "lt": "ge",
           "gt": "le", "le": "gt", "al": "nv", "nv": "al"}


def branch_condition(mnemonic: str) -> str | None:
    """`bne` / `b.ne` -> "ne"; None for anything else."""
    cond = mnemonic[2:] if mnemonic.startswith("b.") else mnemonic[1:] if mnemonic[:1] == "b" else ""
    return cond if cond in _CONDITIONS else None


def holds(cond: str, n: int, z: int, c: int, v: int) -> bool:
    """Whether a condition holds for the given N, Z, C, V flags."""
    base = {"eq": z, "cs": c, "hs": c, "mi": n, "vs": v, "hi": c and not z, "ge": n == v,
            "gt": not z and n == v, "al": True}
    if cond in base:
        return bool(base[cond])
    return not holds(INVERSE[cond], n, z, c, v)


def is_control(instr: Instruction) -> bool:
    """Branches, calls and returns."""
    return instr.mnemonic in ("b", "bl", "blr", "br", "ret", "cbz", "cbnz", "tbz", "tbnz") or \
        branch_condition(instr.mnemonic) is not None


def condition_of(instr: Instruction | None) -> str | None:
    """The condition a flag reader tests (b.cond, csel..., ccmp...), else None."""
    if instr is None:
        return None
    if branch_condition(instr.mnemonic):
        return branch_condition(instr.mnemonic)
    if instr.mnemonic in FLAG_READERS and instr.operands and isinstance(instr.operands[-1], Keyword):
        return instr.operands[-1].name
    return None
