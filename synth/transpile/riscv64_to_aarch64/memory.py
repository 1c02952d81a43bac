"""Block rules for loads, stores and addresses: RISC-V base + 12-bit offset (or %lo) addressing
as AArch64's scaled or unscaled offsets (or :lo12:), and lla/la as adrp + add (la of a global
through the GOT)."""
from __future__ import annotations

from synth.dsl.asm.ast import Imm, Instruction, Mem, Sym
from synth.transpile.riscv64_to_aarch64.registers import reg_view, w_reg, x_reg

# mnemonic -> (AArch64 load/store, register view, bytes)
LOADS = {"ld": ("ldr", "x", 8), "lw": ("ldrsw", "x", 4), "lwu": ("ldr", "w", 4),
         "lh": ("ldrsh", "x", 2), "lhu": ("ldrh", "w", 2), "lb": ("ldrsb", "x", 1),
         "lbu": ("ldrb", "w", 1), "fld": ("ldr", "d", 8), "flw": ("ldr", "s", 4)}
STORES = {"sd": ("str", "x", 8), "sw": ("str", "w", 4), "sh": ("strh", "w", 2),
          "sb": ("strb", "w", 1), "fsd": ("str", "d", 8), "fsw": ("str", "s", 4)}
_UNSCALED = {"ldr": "ldur", "ldrsw": "ldursw", "ldrsh": "ldursh", "ldrh": "ldurh", "ldrsb": "ldursb",
             "ldrb": "ldurb", "str": "stur", "strh": "sturh", "strb": "sturb"}

RULES = {**{m: "load" for m in LOADS}, **{m: "store" for m in STORES}, "lla": "lla", "la": "lla"}


class MemoryRules:
    """Loads, stores and symbol addresses."""

    def address(self, mem: Mem, size: int, mnemonic: str, temp: str | None = None) -> tuple[str, Mem]:
        if isinstance(mem, Sym) and mem.reloc is None:
            # `ld a4, .LC0` / `fld fa5, .LC0, a5`: the assembler's auipc into the temporary
            # (the destination when none is named) + ld; here adrp + :lo12:
            t = temp or self.tmp()
            self.emit("adrp", x_reg(t), Sym(mem.name, mem.addend))
            return mnemonic, Mem(x_reg(t), Sym(mem.name, mem.addend, "lo12"))
        if not isinstance(mem, Mem):
            self.fail("expected a memory operand")
        base = self.src(mem.base)
        off = mem.offset
        if off is None:
            return mnemonic, Mem(x_reg(base))
        if isinstance(off, Sym):
            if off.reloc != "lo":
                self.fail("relocation")
            return mnemonic, Mem(x_reg(base), Sym(off.name, off.addend, "lo12"))
        value = off.value
        if value == 0:
            return mnemonic, Mem(x_reg(base))
        if value > 0 and value % size == 0 and value // size < 4096:
            return mnemonic, Mem(x_reg(base), Imm(value))
        if -256 <= value < 256:
            return _UNSCALED[mnemonic], Mem(x_reg(base), Imm(value))
        t = self.tmp()
        self.emit("add" if value > 0 else "sub", x_reg(t), x_reg(base), Imm(abs(value)))
        return mnemonic, Mem(x_reg(t))

    def load(self, instr):
        rd, mem = instr.operands[:2]
        op, kind, size = LOADS[instr.mnemonic]
        d = self.fp(rd) if kind in "ds" else self.dst(rd)
        temp = self.dst(instr.operands[2]) if len(instr.operands) > 2 else None if kind in "ds" else d
        mnemonic, address = self.address(mem, size, op, temp)
        alternatives = ()
        if instr.mnemonic == "lw":
            alternatives = (Instruction(mnemonic.replace("sw", ""), (w_reg(d), address)),)
        self.emit(mnemonic, reg_view(d, kind), address, alternatives=alternatives)

    def store(self, instr):
        rs, mem = instr.operands[:2]
        op, kind, size = STORES[instr.mnemonic]
        s = self.fp(rs) if kind in "ds" else self.src(rs)
        temp = self.dst(instr.operands[2]) if len(instr.operands) > 2 else None
        mnemonic, address = self.address(mem, size, op, temp)
        self.emit(mnemonic, reg_view(s, kind), address)

    def lla(self, instr):
        rd, sym = instr.operands
        if not isinstance(sym, Sym):
            self.fail("expected a symbol")
        d = self.dst(rd)
        plain = Sym(sym.name, sym.addend)
        if instr.mnemonic == "la" and not sym.name.startswith(".L"):
            # la goes through the GOT under -fPIC; the address is the same either way
            self.emit("adrp", x_reg(d), Sym(sym.name, 0, "got"),
                      alternatives=(Instruction("adrp", (x_reg(d), plain)),))
            self.emit("ldr", x_reg(d), Mem(x_reg(d), Sym(sym.name, 0, "got_lo12")))
            if sym.addend:
                self.emit("add", x_reg(d), x_reg(d), Imm(sym.addend))
            return
        self.emit("adrp", x_reg(d), plain)
        self.emit("add", x_reg(d), x_reg(d), Sym(sym.name, sym.addend, "lo12"))
