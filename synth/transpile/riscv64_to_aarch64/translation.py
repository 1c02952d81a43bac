"""One block's translation: each source instruction becomes a short, fixed AArch64 sequence, by
the rule its mnemonic names (the RULES of integer, memory, control and floating); operands
resolve through the register map, with scratch registers for registers homed in v registers.
A 32-bit result is sign-extended unless a look-ahead within the block shows that only its low
32 bits are read before the register is written again."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from synth.dsl.asm.ast import Imm, Instruction, Mem, Reg
from synth.transpile.cfg import Block, Function
from synth.transpile.guess import Guessed, RegisterMap
from synth.transpile.machine import unsupported
from synth.transpile.riscv64 import canonical
from synth.transpile.riscv64_to_aarch64 import control, integer, memory
from synth.transpile.riscv64_to_aarch64.control import ControlRules
from synth.transpile.riscv64_to_aarch64.floating import FloatRules
from synth.transpile.riscv64_to_aarch64.integer import IntegerRules
from synth.transpile.riscv64_to_aarch64.memory import STORES, MemoryRules
from synth.transpile.riscv64_to_aarch64.registers import SCRATCH, d_reg, w_reg, x_reg

if TYPE_CHECKING:
    from synth.transpile.riscv64_to_aarch64.guesser import Riscv64ToAArch64

_RULES = {**integer.RULES, **memory.RULES, **control.RULES}   # mnemonic -> method; f*.fmt: floating

# Instructions that read only the low 32 bits of every register they read (so a preceding
# sxtw of that register is not needed), and those that read only the low bits of one operand.
_READS_LOW32 = {"addw", "addiw", "subw", "mulw", "divw", "divuw", "remw", "remuw", "sllw", "srlw",
                "sraw", "slliw", "srliw", "sraiw", "negw", "sext.w", "fcvt.d.w", "fcvt.s.w",
                "fcvt.d.wu", "fcvt.s.wu", "fmv.w.x"}
_CONTROL = re.compile(r"^(j|jal|jalr|jr|call|tail|ret|b\w*)$")


class Translation(IntegerRules, MemoryRules, ControlRules, FloatRules):
    """One block's translation: operand resolution (with scratch registers for homed ones)
    and the rules, one method per instruction family."""

    def __init__(self, guesser: Riscv64ToAArch64, function: Function, block: Block, regs: RegisterMap):
        self.g, self.function, self.block, self.regs = guesser, function, block, regs
        self.file = guesser.file
        self.out: list[Guessed] = []
        self.notes: list[str] = []
        self.constants: dict[str, int] = {}

    # -- operands --

    def _target(self, reg: Reg) -> str:
        name = self._canon(reg)
        if name == "x0":
            return "zr"
        target = self.regs.registers.get(name)
        if target is None:
            raise unsupported(self.instr, self.instr.mnemonic, self.file, f"{reg.name} has no target register")
        return target

    def _canon(self, reg: Reg) -> str:
        try:
            return canonical(reg.name)
        except ValueError:
            raise unsupported(self.instr, self.instr.mnemonic, self.file, f"unknown register {reg.name}")

    def tmp(self) -> str:
        if not self.free:
            raise unsupported(self.instr, self.instr.mnemonic, self.file, "out of scratch registers")
        return self.free.pop(0)

    def src(self, op) -> str:
        """Base name (x5, sp, zr) of the target register holding integer source `op`."""
        if not isinstance(op, Reg):
            raise unsupported(self.instr, self.instr.mnemonic, self.file, "expected a register operand")
        t = self._target(op)
        if t.startswith("v"):                      # homed in a callee-saved v register
            s = self.tmp()
            self.emit("fmov", x_reg(s), d_reg(t))
            return s
        return t

    def dst(self, op) -> str:
        t = self._target(op)
        if t.startswith("v"):
            s = self.tmp()
            self.post.append(Instruction("fmov", (d_reg(t), x_reg(s))))
            return s
        return t

    def no_sp(self, name: str) -> str:
        """A register that is not sp (copied to a scratch one if it is)."""
        if name != "sp":
            return name
        t = self.tmp()
        self.emit("mov", x_reg(t), Reg("sp"))
        return t

    def fp(self, op) -> str:
        t = self._target(op)
        if not t.startswith("v"):
            raise unsupported(self.instr, self.instr.mnemonic, self.file, "expected an FP register")
        return t

    def emit(self, mnemonic: str, *operands, confidence=(), alternatives=()):
        self.out.append(Guessed(Instruction(mnemonic, tuple(operands)), (self.i,), tuple(confidence),
                                tuple(alternatives)))

    def fail(self, why: str = ""):
        raise unsupported(self.instr, self.instr.mnemonic, self.file, why)

    # -- driver --

    def translate(self, i: int, instr: Instruction) -> None:
        self.i, self.instr, self.free, self.post = i, instr, list(SCRATCH), []
        m = instr.mnemonic
        rule = _RULES.get(m)
        if rule is None and m.startswith("f") and "." in m:
            rule = "float_op"
        if rule is None:
            self.fail()
        getattr(self, rule)(instr)
        for p in self.post:
            self.out.append(Guessed(p, (i,)))
        dest = _dest(instr)
        if dest is not None:
            self.constants.pop(dest, None)
            if m == "li" and isinstance(instr.operands[1], Imm):
                self.constants[dest] = instr.operands[1].value

    def sign_extend(self, d: str) -> None:
        """sxtw after a 32-bit result, unless the block reads only its low half before
        overwriting it (then the verifier's width-aware comparison agrees)."""
        reg = _dest(self.instr)
        for later in self.block.instructions[self.i + 1:]:
            how = _reads(later, reg)
            if how == "full":
                break
            if _dest(later) == reg:
                return
        else:
            # live out of the block: keep it, but a sketch may drop it if only 32 bits are read
            self.emit("sxtw", x_reg(d), w_reg(d), alternatives=(Instruction("nop"),))
            return
        self.emit("sxtw", x_reg(d), w_reg(d))


def _dest(instr: Instruction) -> str | None:
    """The canonical register an instruction writes (None for stores, branches, calls)."""
    if (not instr.operands or not isinstance(instr.operands[0], Reg) or instr.mnemonic in STORES
            or _CONTROL.match(instr.mnemonic)):
        return None
    try:
        return canonical(instr.operands[0].name)
    except ValueError:
        return None


def _reads(instr: Instruction, reg: str) -> str:
    """How `instr` reads canonical `reg`: "no", "low" (only the low 32 bits) or "full"."""
    m, ops = instr.mnemonic, instr.operands
    if _CONTROL.match(m):
        return "full"          # calls read argument registers; a branch ends the block anyway
    sources = ops if m in STORES else ops[1:]
    how = "no"
    for k, op in enumerate(sources):
        regs = [(op, False)] if isinstance(op, Reg) else [(op.base, True)] if isinstance(op, Mem) else []
        for r, is_base in regs:
            try:
                if canonical(r.name) != reg:
                    continue
            except ValueError:
                continue
            low = (not is_base and (m in _READS_LOW32
                                    or (m in ("sw", "sh", "sb") and k == 0)
                                    or (m in ("sll", "srl", "sra") and k == 1)
                                    or (m == "andi" and isinstance(ops[-1], Imm) and 0 <= ops[-1].value < 1 << 31)))
            if not low:
                return "full"
            how = "low"
    return how
