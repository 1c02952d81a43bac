"""The register map from RISC-V 64 to AArch64, and AArch64 register operands by canonical name.

Argument, temporary and special registers follow a fixed table; callee-saved ones stay in
place (s_k -> x(18+k), fs_k -> v(8+k)) where they fit. AArch64 has 11 callee-saved integer
registers (x19..x29) for RISC-V's 12 (s0..s11): when a function uses all of them, the least
used one lives in a free callee-saved v register (v8..v15, whose low 64 bits AAPCS64
preserves) and goes through a scratch register."""
from __future__ import annotations

from collections import Counter

from synth.dsl.asm.ast import Instruction, Mem, Reg
from synth.transpile.cfg import Function
from synth.transpile.guess import RegisterMap
from synth.transpile.machine import unsupported
from synth.transpile.riscv64 import canonical

SCRATCH = ("x16", "x17", "x8")

# The fixed part of the map (canonical RISC-V -> canonical AArch64).
_ALWAYS = {"x1": "x30", "x2": "sp", "x8": "x29",
           **{f"x{10 + i}": f"x{i}" for i in range(8)},                       # a0-a7
           **dict(zip(["x5", "x6", "x7", "x28", "x29", "x30", "x31"],           # t0-t6
                      [f"x{i}" for i in range(9, 16)])),
           **{f"f{10 + i}": f"v{i}" for i in range(8)}}                       # fa0-fa7
_FT = dict(zip([f"f{i}" for i in range(8)] + [f"f{i}" for i in range(28, 32)],  # ft0-ft11
               [f"v{i}" for i in range(16, 28)]))
_SAVED = ["x9"] + [f"x{i}" for i in range(18, 28)]                # s1..s11
_SAVED_TARGET = [f"x{i}" for i in range(19, 29)]
_FSAVED = ["f8", "f9"] + [f"f{i}" for i in range(18, 28)]         # fs0..fs11
_FSAVED_TARGET = [f"v{i}" for i in range(8, 16)]


def map_registers(function: Function, file: str) -> RegisterMap:
    """Argument, temporary and special registers by the fixed table; callee-saved ones in
    place (s_k -> x(18+k), fs_k -> v(8+k)) where they fit. Registers the function never
    touches still get a target it never writes, since liveness asks that they be preserved."""
    uses: Counter = Counter()
    for block in function.blocks:
        for instr in block.instructions:
            for name in _registers(instr, file):
                uses[name] += 1
    first = next((i for b in function.blocks for i in b.instructions), Instruction("nop"))
    if uses["x3"] or uses["x4"]:
        raise unsupported(first, "gp/tp", file, "gp and tp are not translated")
    regs = dict(_ALWAYS)
    regs.update({r: t for r, t in _FT.items() if r in uses})
    natural = {**dict(zip(_SAVED, _SAVED_TARGET)), **dict(zip(_FSAVED, _FSAVED_TARGET))}
    spare_x = [natural[r] for r in _SAVED[:10] if r not in uses]
    spare_v = [natural[r] for r in _FSAVED[:8] if r not in uses]
    regs.update({r: natural[r] for r in natural if r in uses})
    for r in _FSAVED[8:]:
        if r in uses:
            if not spare_v:
                raise unsupported(first, "fs0-fs11", file, "more callee-saved FP registers "
                                  "than AArch64's v8-v15")
            regs[r] = spare_v.pop(0)
    s11 = _SAVED[10]
    if s11 in uses:
        if spare_x:
            regs[s11] = spare_x.pop(0)
        elif spare_v:
            # twelve callee-saved registers for AArch64's eleven: the least used lives in
            # a free callee-saved v register (low 64 bits preserved by AAPCS64)
            homed = min(_SAVED, key=lambda r: (uses[r], -_SAVED.index(r)))
            if homed != s11:
                regs[s11] = regs[homed]
            regs[homed] = spare_v.pop()
        else:
            raise unsupported(first, "s1-s11", file, "register pressure: no free "
                              "callee-saved register on AArch64")
    taken = set(regs.values())
    pool = ["x18"] + [f"v{i}" for i in range(16, 32) if f"v{i}" not in taken] + spare_v
    for r in ["x3", "x4", *_SAVED, *_FSAVED]:
        if r in regs:
            continue
        if r in natural and natural[r] not in taken:
            regs[r] = natural[r]
        elif pool:
            regs[r] = pool.pop(0)
        taken.add(regs.get(r))
    return RegisterMap(regs, SCRATCH)

def _registers(instr: Instruction, file: str):
    """The canonical registers an instruction names, x0 (zero) left out."""
    for op in instr.operands:
        for reg in ((op,) if isinstance(op, Reg) else (op.base,) if isinstance(op, Mem) else ()):
            try:
                name = canonical(reg.name)
            except ValueError:
                raise unsupported(instr, instr.mnemonic, file, f"unknown register {reg.name}")
            if name != "x0":
                yield name


# AArch64 register operands for a canonical name (x5, v3, sp, zr), by view.

def x_reg(n: str) -> Reg:
    return Reg("xzr" if n == "zr" else n)


def w_reg(n: str) -> Reg:
    return Reg("wzr" if n == "zr" else "wsp" if n == "sp" else "w" + n[1:])


def d_reg(n: str) -> Reg:
    return Reg("d" + n[1:])


def s_reg(n: str) -> Reg:
    return Reg("s" + n[1:])


def reg_view(n: str, kind: str) -> Reg:
    """The view named "x", "w", "d" or "s"."""
    return {"x": x_reg, "w": w_reg, "d": d_reg, "s": s_reg}[kind](n)
