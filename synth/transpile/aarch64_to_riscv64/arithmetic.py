"""Block rules for integer arithmetic: 32-bit operations as RISC-V *w instructions (zero-extended
where the source later reads the result at 64 bits), shifted and extended operands, bitfields,
multiplication, division (AArch64 gives 0 for a zero divisor), flag-setting arithmetic, and
the integer operations gcc does in SIMD registers."""
from __future__ import annotations

from synth.dsl.asm.ast import Imm, Reg, Shift, Sym
from synth.transpile.aarch64_to_riscv64.flags import Flags
from synth.transpile.aarch64_to_riscv64.mnemonics import FLAG_READERS, FLAG_SETTERS, condition_of
from synth.transpile.aarch64_to_riscv64.registers import source_reg
from synth.transpile.aarch64_to_riscv64.values import (
    BOTH,
    SEXT,
    ZEXT,
    Unsupported,
    fits12,
    logic_state,
    sext32,
    signed64,
)

_ALU = {"add": ("add", "addw"), "sub": ("sub", "subw"), "and": ("and", "and"),
        "orr": ("or", "or"), "eor": ("xor", "xor")}

_ALU_IMM = {"add": "addi", "and": "andi", "orr": "ori", "eor": "xori"}


class ArithmeticRules:
    """Integer rules."""

    def alu(self, op: str, dst: Reg, n: Reg, rest: tuple) -> None:
        bits = self.bits(dst)
        self.alu_with(op, dst, self.t(dst), self.t(n), self.operand2(rest, bits), bits)

    def alu_with(self, op: str, dst: Reg, rd: str, rn: str, m: str | int, bits: int) -> None:
        reg_op, word_op = _ALU[op]
        word = bits == 32
        n_state = BOTH if rn == "zero" else self.ext.get(rn)
        if isinstance(m, int):
            if op == "sub":
                op, m = "add", (-m if bits == 64 else sext32(-m))
            m_state = BOTH if 0 <= m < 1 << 31 else SEXT if -(1 << 31) <= m < 0 else None
            if op == "add":
                self.add_imm(rd, rn, m, word)
            elif fits12(m):
                self.emit(_ALU_IMM[op], rd, rn, m)
            else:
                s = self.scratch()
                self.emit("li", s, m)
                self.emit(reg_op, rd, rn, s)
        else:
            m_state = BOTH if m == "zero" else self.ext.get(m)
            self.emit(word_op if word else reg_op, rd, rn, m)
        if not word:
            self.known(rd, None)
            return
        state = SEXT if op in ("add", "sub") else logic_state(op, n_state, m_state)
        self.finish_w(dst, rd, state)

    def _alu_entry(self, op, instr, dst, n, *rest):
        if source_reg(dst)[2] == "fp":
            return self.scalar_simd(op, dst, n, rest)
        self.alu(op, dst, n, rest)

    def _add(self, instr, dst, n, *rest):
        if self._jump_table_add(dst, n, rest):
            return
        if rest and isinstance(rest[0], Sym):
            return self.low_address(dst, n, rest[0])
        self._alu_entry("add", instr, dst, n, *rest)

    def _sub(self, instr, *ops):
        self._alu_entry("sub", instr, *ops)

    def _and(self, instr, *ops):
        self._alu_entry("and", instr, *ops)

    def _orr(self, instr, *ops):
        self._alu_entry("orr", instr, *ops)

    def _eor(self, instr, *ops):
        self._alu_entry("eor", instr, *ops)

    def _bic(self, instr, dst, n, *rest):
        self.inverted("and", dst, n, rest)

    def _orn(self, instr, dst, n, *rest):
        self.inverted("or", dst, n, rest)

    def _eon(self, instr, dst, n, *rest):
        self.inverted("xor", dst, n, rest)

    def inverted(self, op: str, dst: Reg, n: Reg, rest: tuple) -> None:
        bits = self.bits(dst)
        rd, rn = self.t(dst), self.t(n)
        m = self.operand2(rest, bits)
        if isinstance(m, int):
            m = self.imm_reg(m)
        s = m if m in self.used else self.scratch()
        self.emit("not", s, m)
        self.emit(op, rd, rn, s)
        if bits == 32:
            self.finish_w(dst, rd, None)

    def _mvn(self, instr, dst, src, *rest):
        bits = self.bits(dst)
        rd = self.t(dst)
        m = self.operand2((src, *rest), bits)
        if isinstance(m, int):
            return self.mov_imm(dst, rd, ~m, bits)
        state = self.ext.get(m)
        self.emit("not", rd, m)
        if bits == 32:
            self.finish_w(dst, rd, SEXT if state in (SEXT, BOTH) else None)

    def _neg(self, instr, dst, src, *rest):
        if source_reg(dst)[2] == "fp":   # a scalar integer in a SIMD register
            if self.bits(dst) != 64 or rest:
                raise Unsupported("vector negate")
            s = self.scratch()
            self.emit("fmv.x.d", s, self.t(src))
            self.emit("neg", s, s)
            self.emit("fmv.d.x", self.t(dst), s)
            return
        bits = self.bits(dst)
        rd = self.t(dst)
        m = self.operand2((src, *rest), bits)
        if isinstance(m, int):
            return self.mov_imm(dst, rd, -m, bits)
        self.emit("negw" if bits == 32 else "neg", rd, m)
        if bits == 32:
            self.finish_w(dst, rd, SEXT)

    def _negs(self, instr, dst, src, *rest):
        bits = self.bits(dst)
        m = self.operand2((src, *rest), bits)
        m = self.imm_reg(m) if isinstance(m, int) else m
        rd = self.t(dst)
        if rd == m and self._flags_need_operands("sub"):
            copy = self._pin()
            self.emit("mv", copy, m)
            self.ext[copy] = self.ext.get(m)
            m = copy
        self.emit("negw" if bits == 32 else "neg", rd, m)
        if bits == 32:
            self.finish_w(dst, rd, SEXT)
        self.set_flags(Flags("sub", "zero", m, bits, result=rd))

    def _flags_need_operands(self, kind: str) -> bool:
        """Whether a consumer of the flags this instruction sets needs more than the result's
        zero and sign (eq ne mi pl)."""
        for instr in self.block.instructions[self.k + 1:]:
            if instr.mnemonic in FLAG_SETTERS and instr.mnemonic not in FLAG_READERS:
                break
            cond = condition_of(instr)
            if cond is not None and cond not in ("eq", "ne", "mi", "pl"):
                return True
            if instr.mnemonic in FLAG_SETTERS:
                break
        else:
            # the flags may be read in the next block: keep the operands when they can be
            return True
        return False

    def flag_arith(self, kind: str, dst: Reg, n: Reg, rest: tuple) -> None:
        """adds / subs / ands: the operation, and flags as cmp / cmn / tst of its operands."""
        bits = self.bits(dst)
        rd, rn = self.t(dst), self.t(n)
        m = self.operand2(rest, bits)
        if isinstance(m, str) and m in self.used:
            m = self._keep(m)
        op, b = kind, m
        if isinstance(m, int) and kind == "add":
            kind, b = "sub", (-m if bits == 64 else sext32(-m))
        a = rn
        if rd != "zero" and rd in (rn, m):
            if self._flags_need_operands(kind):
                if rd == rn and rn != "zero":
                    a = self._keep(rn)
                if rd == m:
                    b = self._keep(m)
            else:   # only the result's zero and sign are read: the operands may go
                a, b = None, None
        self.alu_with(op, dst, rd, rn, m, bits)
        self.set_flags(Flags(kind, a, b, bits, result=None if rd == "zero" else rd))

    def _adds(self, instr, dst, n, *rest):
        self.flag_arith("add", dst, n, rest)

    def _subs(self, instr, dst, n, *rest):
        self.flag_arith("sub", dst, n, rest)

    def _ands(self, instr, dst, n, *rest):
        self.flag_arith("and", dst, n, rest)

    # -- shifts, bitfields and extensions --

    def shift(self, instr, kind: str, dst, n, amount) -> None:
        bits = self.bits(dst)
        rd, rn = self.t(dst), self.t(n)
        w = "w" if bits == 32 else ""
        if isinstance(amount, Imm):
            if kind == "ror":
                self.emit("mv", rd, self.shifted(rn, Shift("ror", amount.value), bits, bits))
            else:
                name = {"lsl": "slli", "lsr": "srli", "asr": "srai"}[kind]
                self.emit(name + w, rd, rn, amount.value % bits)
        else:
            rm = self.t(amount)
            if kind == "ror":
                s1, s2 = self.scratch(), self.scratch()
                self.emit("srl" + w, s1, rn, rm)
                self.emit("neg", s2, rm)
                self.emit("sll" + w, s2, rn, s2)
                self.emit("or", rd, s1, s2)
            else:
                name = {"lsl": "sll", "lsr": "srl", "asr": "sra"}[kind]
                self.emit(name + w, rd, rn, rm)
        if bits == 32:
            self.finish_w(dst, rd, SEXT)
        else:
            self.known(rd, None)

    def _lsl(self, instr, *ops):
        self.shift(instr, "lsl", *ops)

    def _lsr(self, instr, *ops):
        self.shift(instr, "lsr", *ops)

    def _asr(self, instr, *ops):
        self.shift(instr, "asr", *ops)

    def _ror(self, instr, *ops):
        self.shift(instr, "ror", *ops)

    def _ubfx(self, instr, dst, n, lsb, width):
        self.bitfield(dst, n, 64 - lsb.value - width.value, 64 - width.value, "srli")

    def _sbfx(self, instr, dst, n, lsb, width):
        self.bitfield(dst, n, 64 - lsb.value - width.value, 64 - width.value, "srai")

    def _ubfiz(self, instr, dst, n, lsb, width):
        self.bitfield(dst, n, 64 - width.value, 64 - width.value - lsb.value, "srli")

    def _sbfiz(self, instr, dst, n, lsb, width):
        self.bitfield(dst, n, 64 - width.value, 64 - width.value - lsb.value, "srai")

    def bitfield(self, dst: Reg, n: Reg, left: int, right: int, kind: str) -> None:
        bits = self.bits(dst)
        rd, rn = self.t(dst), self.t(n)
        if left:
            self.emit("slli", rd, rn, left)
            src = rd
        else:
            src = rn
        if right:
            self.emit(kind, rd, src, right)
        elif src != rd:
            self.emit("mv", rd, src)
        if bits == 32:
            # the field ends at or below bit 31: zero-extended if unsigned, sign-extended else
            top = 64 - right
            if kind == "srli":
                state = BOTH if top < 32 else ZEXT if top == 32 else None
            else:
                state = SEXT if top <= 32 else None
            self.finish_w(dst, rd, state)
        else:
            self.known(rd, None)

    def _bfi(self, instr, dst, n, lsb, width):
        self.insert(dst, n, lsb.value, width.value, 0)

    def _bfxil(self, instr, dst, n, lsb, width):
        self.insert(dst, n, 0, width.value, lsb.value)

    def insert(self, dst: Reg, n: Reg, lsb: int, width: int, from_bit: int) -> None:
        bits = self.bits(dst)
        rd, rn = self.t(dst), self.t(n)
        s1, s2 = self.scratch(), self.scratch()
        self.emit("slli", s1, rn, 64 - width - from_bit)
        self.emit("srli", s1, s1, 64 - width - lsb)
        self.emit("li", s2, signed64(~(((1 << width) - 1) << lsb)))
        self.emit("and", rd, rd, s2)
        self.emit("or", rd, rd, s1)
        if bits == 32:
            self.finish_w(dst, rd, None)

    def _sxtw(self, instr, dst, src):
        rd = self.t(dst)
        self.emit("sext.w", rd, self.t(src))
        self.known(rd, SEXT)

    def _sxtb(self, instr, dst, src):
        self.sign_extend(dst, src, 56)

    def _sxth(self, instr, dst, src):
        self.sign_extend(dst, src, 48)

    def sign_extend(self, dst: Reg, src: Reg, n: int) -> None:
        rd = self.t(dst)
        self.emit("slli", rd, self.t(src), n)
        self.emit("srai", rd, rd, n)
        if self.bits(dst) == 32:
            self.finish_w(dst, rd, SEXT)
        else:
            self.known(rd, SEXT)

    def _uxtb(self, instr, dst, src):
        rd = self.t(dst)
        self.emit("andi", rd, self.t(src), 255)
        self.known(rd, BOTH)

    def _uxth(self, instr, dst, src):
        rd = self.t(dst)
        self.emit("slli", rd, self.t(src), 48)
        self.emit("srli", rd, rd, 48)
        self.known(rd, BOTH)

    def _uxtw(self, instr, dst, src):
        rd = self.t(dst)
        self.zext(self.t(src), rd)
        self.known(rd, ZEXT)

    # -- multiply and divide --

    def _mul(self, instr, dst, n, m):
        bits = self.bits(dst)
        rd = self.t(dst)
        self.emit("mulw" if bits == 32 else "mul", rd, self.t(n), self.t(m))
        if bits == 32:
            self.finish_w(dst, rd, SEXT)

    def _mneg(self, instr, dst, n, m):
        bits = self.bits(dst)
        rd = self.t(dst)
        self.emit("mulw" if bits == 32 else "mul", rd, self.t(n), self.t(m))
        self.emit("negw" if bits == 32 else "neg", rd, rd)
        if bits == 32:
            self.finish_w(dst, rd, SEXT)

    def _madd(self, instr, dst, n, m, a):
        self.multiply_add(dst, self.t(n), self.t(m), a, "add", "mulw" if self.bits(dst) == 32 else "mul")

    def _msub(self, instr, dst, n, m, a):
        self.multiply_add(dst, self.t(n), self.t(m), a, "sub", "mulw" if self.bits(dst) == 32 else "mul")

    def multiply_add(self, dst: Reg, rn: str, rm: str, a: Reg, op: str, mul: str) -> None:
        bits = self.bits(dst)
        rd, ra = self.t(dst), self.t(a)
        s = rn if rn in self.used else rm if rm in self.used else self.scratch()
        self.emit(mul, s, rn, rm)
        self.emit(op + ("w" if bits == 32 else ""), rd, ra, s)
        if bits == 32:
            self.finish_w(dst, rd, SEXT)
        else:
            self.known(rd, None)

    def widened(self, n: Reg, m: Reg, signed: bool) -> tuple[str, str]:
        out = []
        for reg in (n, m):
            r = self.t(reg)
            out.append(self.sext(r) if signed else self.zext(r))
        return out[0], out[1]

    def _smull(self, instr, dst, n, m):
        rn, rm = self.widened(n, m, True)
        self.emit("mul", self.t(dst), rn, rm)

    def _umull(self, instr, dst, n, m):
        rn, rm = self.widened(n, m, False)
        self.emit("mul", self.t(dst), rn, rm)

    def _smaddl(self, instr, dst, n, m, a):
        rn, rm = self.widened(n, m, True)
        self.multiply_add(dst, rn, rm, a, "add", "mul")

    def _umaddl(self, instr, dst, n, m, a):
        rn, rm = self.widened(n, m, False)
        self.multiply_add(dst, rn, rm, a, "add", "mul")

    def _smsubl(self, instr, dst, n, m, a):
        rn, rm = self.widened(n, m, True)
        self.multiply_add(dst, rn, rm, a, "sub", "mul")

    def _umsubl(self, instr, dst, n, m, a):
        rn, rm = self.widened(n, m, False)
        self.multiply_add(dst, rn, rm, a, "sub", "mul")

    def _smulh(self, instr, dst, n, m):
        self.emit("mulh", self.t(dst), self.t(n), self.t(m))

    def _umulh(self, instr, dst, n, m):
        self.emit("mulhu", self.t(dst), self.t(n), self.t(m))

    def divide(self, dst: Reg, n: Reg, m: Reg, signed: bool) -> None:
        """AArch64 gives 0 for a division by zero, RISC-V all ones: mask the quotient."""
        bits = self.bits(dst)
        rd, rn, rm = self.t(dst), self.t(n), self.t(m)
        s = self.scratch()
        name = ("div" if signed else "divu") + ("w" if bits == 32 else "")
        if bits == 32:
            self.emit("slli", s, rm, 32)
            self.emit("snez", s, s)
        else:
            self.emit("snez", s, rm)
        self.emit("neg", s, s)
        self.emit(name, rd, rn, rm)
        self.emit("and", rd, rd, s)
        if bits == 32:
            self.finish_w(dst, rd, SEXT)

    def _sdiv(self, instr, dst, n, m):
        self.divide(dst, n, m, True)

    def _udiv(self, instr, dst, n, m):
        self.divide(dst, n, m, False)

    # -- integers in SIMD registers --

    def scalar_simd(self, op: str, dst: Reg, n: Reg, rest: tuple) -> None:
        """A 64-bit integer operation on d registers (`add d0, d0, d1`), or on the two 32-bit
        lanes of one (`add v0.2s, v1.2s, v0.2s`), through integer scratch registers."""
        if self.bits(dst) != 64 or dst.arrangement not in (None, "2s", "8b") \
                or len(rest) != 1 or not isinstance(rest[0], Reg):
            raise Unsupported("vector arithmetic")
        lanes = dst.arrangement == "2s" and op in ("add", "sub")
        a, b = self.scratch(), self.scratch()
        self.emit("fmv.x.d", a, self.t(n))
        self.emit("fmv.x.d", b, self.t(rest[0]))
        if lanes:   # carry-free lanes: the low 31 bits add, the top bit of each lane xors
            m, top = self.scratch(), self.scratch()
            self.emit("xor", top, a, b)
            if op == "sub":   # ((a | H) - (b & ~H)) ^ ((a ^ ~b) & H)
                self.emit("not", top, top)
                self.emit("li", m, signed64(0x8000000080000000))
                self.emit("and", top, top, m)
                self.emit("or", a, a, m)
                self.emit("not", m, m)
                self.emit("and", b, b, m)
                self.emit("sub", a, a, b)
                self.emit("xor", a, a, top)
            else:
                self.emit("li", m, 0x7FFFFFFF7FFFFFFF)
                self.emit("and", a, a, m)
                self.emit("and", b, b, m)
                self.emit("add", a, a, b)
                self.emit("not", m, m)
                self.emit("and", top, top, m)
                self.emit("xor", a, a, top)
        else:
            self.emit(_ALU[op][0], a, a, b)
        self.emit("fmv.d.x", self.t(dst), a)

    def _rev64(self, instr, dst, src):
        """Swap the 32-bit lanes of each 64-bit half."""
        if dst.arrangement not in ("2s", "4s"):
            raise Unsupported("rev64 of bytes or halfwords")
        halves = [(self.t(dst), self.t(src))]
        if dst.arrangement == "4s":
            halves.append((self.hi(dst), self.hi(src)))
        a, b = self.scratch(), self.scratch()
        for d, s_ in halves:
            self.emit("fmv.x.d", a, s_)
            self.emit("srli", b, a, 32)
            self.emit("slli", a, a, 32)
            self.emit("or", a, a, b)
            self.emit("fmv.d.x", d, a)

    def _cnt(self, instr, dst, src):
        """Population count of each byte of a 64-bit vector (SWAR)."""
        if src.arrangement != "8b":
            raise Unsupported("cnt of a 128-bit vector")
        x, t = self.scratch(), self.scratch()
        self.emit("fmv.x.d", x, self.t(src))
        self.emit("srli", t, x, 1)
        self._and_const(t, 0x5555555555555555, x)
        self.emit("sub", x, x, t)
        self.emit("srli", t, x, 2)
        self._and_const(t, 0x3333333333333333, x)
        self._and_const(x, 0x3333333333333333, t)
        self.emit("add", x, x, t)
        self.emit("srli", t, x, 4)
        self.emit("add", x, x, t)
        self._and_const(x, 0x0F0F0F0F0F0F0F0F, t)
        self.emit("fmv.d.x", self.t(dst), x)

    def _and_const(self, reg: str, mask: int, keep: str) -> None:
        """reg &= mask, with a scratch register other than `keep` for the constant."""
        s = next((r for r in self.used if r not in (reg, keep)), None) or self.scratch()
        self.emit("li", s, signed64(mask))
        self.emit("and", reg, reg, s)

    def _addv(self, instr, dst, src):
        if src.arrangement != "8b" or not dst.name.startswith("b"):
            raise Unsupported("addv other than of 8 bytes")
        x, t = self.scratch(), self.scratch()
        self.emit("fmv.x.d", x, self.t(src))
        self.emit("li", t, 0x0101010101010101)
        self.emit("mul", x, x, t)
        self.emit("srli", x, x, 56)
        self.emit("fmv.d.x", self.t(dst), x)
