"""Block rules that act on a condition: conditional branches (b.cond, cbz, tbz) and the
branch-free conditional values (cset, csel, cinc, cneg, fcsel...)."""
from __future__ import annotations

from synth.dsl.asm.ast import Keyword, Reg, Sym
from synth.transpile.aarch64_to_riscv64.mnemonics import branch_condition
from synth.transpile.aarch64_to_riscv64.values import BOTH, SEXT, logic_state


class SelectRules:
    """Conditional branches and values."""

    def _bool(self, cond: str) -> str:
        """A register holding 1 if cond holds on the current flags, else 0 (a scratch register
        of this instruction, or a pinned one that must not be written)."""
        test = self.test(cond)
        if test[0] == "bool":
            _, reg, negate = test
            if not negate:
                return reg
            s = reg if reg in self.used else self.scratch()
            self.emit("xori", s, reg, 1)
            return s
        _, _, x, y = test
        s = x if x in self.used else y if y in self.used else self.scratch()
        self.set_value(s, test)
        for r in (x, y):
            if r != s:
                self.release(r)
        return s

    def set_value(self, rd: str, test) -> None:
        """rd = 1 if the test holds else 0."""
        if test[0] == "bool":
            _, reg, negate = test
            if negate:
                self.emit("xori", rd, reg, 1)
            elif rd != reg:
                self.emit("mv", rd, reg)
            return
        _, op, x, y = test
        if op in ("eq", "ne"):
            z = "seqz" if op == "eq" else "snez"
            if y == "zero" or x == "zero":
                self.emit(z, rd, x if y == "zero" else y)
            else:
                self.emit("xor", rd, x, y)
                self.emit(z, rd, rd)
            return
        slt = "sltu" if op in ("ltu", "geu") else "slt"
        self.emit(slt, rd, x, y)
        if op in ("ge", "geu"):
            self.emit("xori", rd, rd, 1)

    def branch(self, test, label: Sym) -> None:
        if test[0] == "bool":
            _, reg, negate = test
            self.emit("beqz" if negate else "bnez", reg, label)
            return
        _, op, x, y = test
        if x == "zero" and y == "zero":
            if op in ("eq", "ge", "geu"):
                self.emit("j", label)
            return
        self.emit("b" + op, x, y, label)

    def _b_cond(self, instr, label):
        cond = branch_condition(instr.mnemonic)
        self.branch(self.test(cond), self.label(label))

    def label(self, sym: Sym) -> Sym:
        return Sym(sym.name)

    def __getattr__(self, name: str):
        if name.startswith("_b") and branch_condition(name[1:].replace("_", ".")):
            return self._b_cond
        raise AttributeError(name)

    def _cbz(self, instr, reg, label):
        self.zero_branch(reg, label, "beqz")

    def _cbnz(self, instr, reg, label):
        self.zero_branch(reg, label, "bnez")

    def zero_branch(self, reg: Reg, label: Sym, op: str) -> None:
        r = self.t(reg)
        if self.bits(reg) == 32 and not self.is_sext(r) and not self.is_zext(r):
            r = self.sext(r)
        self.emit(op, r, self.label(label))

    def _tbz(self, instr, reg, bit, label):
        self.bit_branch(reg, bit.value, label, "bgez")

    def _tbnz(self, instr, reg, bit, label):
        self.bit_branch(reg, bit.value, label, "bltz")

    def bit_branch(self, reg: Reg, bit: int, label: Sym, op: str) -> None:
        r = self.t(reg)
        if not (bit == 63 or bit == 31 and self.is_sext(r)):
            s = self.scratch()
            self.emit("slli", s, r, 63 - bit)
            r = s
        self.emit(op, r, self.label(label))

    # -- conditional values --

    def _cset(self, instr, dst, cond):
        rd = self.t(dst)
        self.set_value(rd, self.test(cond.name))
        self.known(rd, BOTH)

    def _csetm(self, instr, dst, cond):
        rd = self.t(dst)
        self.set_value(rd, self.test(cond.name))
        self.emit("neg", rd, rd)
        self.finish_w(dst, rd, SEXT) if self.bits(dst) == 32 else self.known(rd, SEXT)

    def _cinc(self, instr, dst, n, cond):
        bits = self.bits(dst)
        c = self._bool(cond.name)
        rd = self.t(dst)
        self.emit("addw" if bits == 32 else "add", rd, self.t(n), c)
        if bits == 32:
            self.finish_w(dst, rd, SEXT)

    def _cinv(self, instr, dst, n, cond):
        self.conditional_negation(dst, n, cond, False)

    def _cneg(self, instr, dst, n, cond):
        self.conditional_negation(dst, n, cond, True)

    def conditional_negation(self, dst: Reg, n: Reg, cond: Keyword, arithmetic: bool) -> None:
        bits = self.bits(dst)
        c = self._bool(cond.name)
        mask = c if c in self.used else self.scratch()
        self.emit("neg", mask, c)
        rd, rn = self.t(dst), self.t(n)
        if arithmetic:   # -n = ~n + 1 = (n ^ -1) - (-1)
            s = self.scratch()
            self.emit("xor", s, rn, mask)
            self.emit("subw" if bits == 32 else "sub", rd, s, mask)
            state = SEXT
        else:
            self.emit("xor", rd, rn, mask)
            state = SEXT if self.is_sext(rn) else None
        if bits == 32:
            self.finish_w(dst, rd, state)

    def _csel(self, instr, dst, n, m, cond):
        self.select(dst, n, m, cond.name, None)

    def _csinc(self, instr, dst, n, m, cond):
        self.select(dst, n, m, cond.name, "inc")

    def _csinv(self, instr, dst, n, m, cond):
        self.select(dst, n, m, cond.name, "inv")

    def _csneg(self, instr, dst, n, m, cond):
        self.select(dst, n, m, cond.name, "neg")

    def select(self, dst: Reg, n: Reg, m: Reg, cond: str, change: str | None) -> None:
        """dst = cond ? n : change(m), branch-free: m ^ ((n ^ m) & -cond)."""
        bits = self.bits(dst)
        rd, rn, rm = self.t(dst), self.t(n), self.t(m)
        w = "w" if bits == 32 else ""
        c = self._bool(cond)
        mask = c if c in self.used else self.scratch()
        if change is not None:
            other = self.scratch()
            if change == "inc":
                self.emit("addi" + w, other, rm, 1)
            elif change == "inv":
                self.emit("not", other, rm)
            else:
                self.emit("neg" + w, other, rm)
            rm = other
        state = logic_state("or", self.ext.get(rn), self.ext.get(rm)) if bits == 32 else None
        if rn == rm:
            if rd != rn:
                self.emit("mv", rd, rn)
        elif rm == "zero":            # cond ? n : 0
            self.emit("neg", mask, c)
            self.emit("and", rd, rn, mask)
        elif rn == "zero":            # cond ? 0 : m
            self.emit("addi", mask, c, -1)
            self.emit("and", rd, rm, mask)
        elif rd != rm:
            self.emit("neg", mask, c)
            self.emit("xor", rd, rn, rm)
            self.emit("and", rd, rd, mask)
            self.emit("xor", rd, rd, rm)
        else:                         # rd is m: n ^ ((m ^ n) & (cond - 1))
            self.emit("addi", mask, c, -1)
            self.emit("xor", rd, rm, rn)
            self.emit("and", rd, rd, mask)
            self.emit("xor", rd, rd, rn)
        if bits == 32:
            self.finish_w(dst, rd, state)
        else:
            self.known(rd, None)

    def _fcsel(self, instr, dst, n, m, cond):
        p = "s" if self.bits(dst) == 32 else "d"
        c = self._bool(cond.name)
        mask = c if c in self.used else self.scratch()
        self.emit("neg", mask, c)
        x, y = self.scratch(), self.scratch()
        mv = "fmv.x.w" if p == "s" else "fmv.x.d"
        self.emit(mv, x, self.t(n))
        self.emit(mv, y, self.t(m))
        self.emit("xor", x, x, y)
        self.emit("and", x, x, mask)
        self.emit("xor", x, x, y)
        self.emit("fmv.w.x" if p == "s" else "fmv.d.x", self.t(dst), x)
