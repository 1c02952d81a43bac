"""Block rules for integer instructions. RISC-V registers are always 64 bits and the LP64 ABI
keeps 32-bit values sign-extended, so every `*w` operation ends in `sxtw` (sign_extend);
division by zero gives -1 on RISC-V and 0 on AArch64 (`csinv` repairs it, branch-free), and
`rem` by `sdiv` + `msub` already gives the dividend for a zero divisor, as RISC-V does."""
from __future__ import annotations

from synth.dsl.asm.ast import Imm, Keyword, Sym
from synth.transpile.guess import Guessed
from synth.transpile.riscv64_to_aarch64.immediates import logical_immediate, move_immediate, sext32
from synth.transpile.riscv64_to_aarch64.registers import w_reg, x_reg

_R64 = {"add": "add", "sub": "sub", "and": "and", "or": "orr", "xor": "eor", "sll": "lsl",
        "srl": "lsr", "sra": "asr", "mul": "mul", "mulh": "smulh", "mulhu": "umulh"}
_R32 = {"addw": "add", "subw": "sub", "mulw": "mul", "sllw": "lsl", "srlw": "lsr", "sraw": "asr"}
_SHIFT_IMM = {"slli": "lsl", "srli": "lsr", "srai": "asr"}
_SHIFT_IMM32 = {"slliw": "lsl", "srliw": "lsr", "sraiw": "asr"}
_LOGIC_IMM = {"andi": "and", "ori": "orr", "xori": "eor"}
# The condition that holds of (b, a) where one holds of (a, b).
SWAPPED = {"eq": "eq", "ne": "ne", "lt": "gt", "gt": "lt", "ge": "le", "le": "ge",
           "lo": "hi", "hi": "lo", "hs": "ls", "ls": "hs"}
_SET = {"slt": "lt", "sltu": "lo", "sgt": "gt", "sgtu": "hi"}
_SET_ZERO = {"seqz": "eq", "snez": "ne", "sltz": "lt", "sgtz": "gt"}

RULES = {**{m: "reg3" for m in _R64}, **{m: "reg3w" for m in _R32},
         **{m: "shift_imm" for m in _SHIFT_IMM}, **{m: "shift_imm32" for m in _SHIFT_IMM32},
         **{m: "logic_imm" for m in _LOGIC_IMM},
         **{m: "divide" for m in ("div", "divu", "rem", "remu", "divw", "divuw", "remw", "remuw")},
         **{m: "set_compare" for m in _SET}, **{m: "set_zero" for m in _SET_ZERO},
         **{m: "unary" for m in ("neg", "negw", "not", "sext.w", "zext.b")},
         "addi": "addi", "addiw": "addiw", "mv": "mv", "li": "li", "lui": "lui", "slti": "set_imm",
         "sltiu": "set_imm"}


class IntegerRules:
    """Integer arithmetic, constants and comparisons into a register."""

    def reg3(self, instr):
        rd, a, b = instr.operands
        op = _R64[instr.mnemonic]
        if instr.mnemonic == "sub" and self._canon(a) == "x0":
            s = self.src(b)
            return self.emit("neg", x_reg(self.dst(rd)), x_reg(s))
        sa, sb = self.src(a), self.src(b)
        if sb == "sp" and op == "add":
            sa, sb = sb, sa
        if op not in ("add", "sub") or sb == "sp":
            # register 31 is xzr, not sp, in these encodings
            sa, sb = self.no_sp(sa), self.no_sp(sb)
        self.emit(op, x_reg(self.dst(rd)), x_reg(sa), x_reg(sb))

    def reg3w(self, instr):
        rd, a, b = instr.operands
        sa, sb = self.src(a), self.src(b)
        d = self.dst(rd)
        self.emit(_R32[instr.mnemonic], w_reg(d), w_reg(sa), w_reg(sb))
        self.sign_extend(d)

    def addi(self, instr, *, word=False):
        rd, a, imm = instr.operands
        view = w_reg if word else x_reg
        if isinstance(imm, Sym):
            if imm.reloc != "lo" or word:
                self.fail("relocation")
            s = self.src(a)
            return self.emit("add", x_reg(self.dst(rd)), x_reg(s), Sym(imm.name, imm.addend, "lo12"),
                             confidence=(1, 1, 0.8))
        value = imm.value
        if self._canon(a) == "x0":
            return self.li_value(rd, value if not word else sext32(value))
        s = self.src(a)
        d = self.dst(rd)
        if value == 0 and not word:
            self.emit("mov", x_reg(d), x_reg(s))
        elif value >= 0:
            self.emit("add", view(d), view(s), Imm(value))
        else:
            self.emit("sub", view(d), view(s), Imm(-value))
        if word:
            self.sign_extend(d)

    def addiw(self, instr):
        self.addi(instr, word=True)

    def logic_imm(self, instr):
        rd, a, imm = instr.operands
        value = imm.value
        if instr.mnemonic == "xori" and value == -1:
            s = self.src(a)
            return self.emit("mvn", x_reg(self.dst(rd)), x_reg(s))
        s = self.no_sp(self.src(a))
        if logical_immediate(value):
            return self.emit(_LOGIC_IMM[instr.mnemonic], x_reg(self.dst(rd)), x_reg(s), Imm(value))
        if value == 0:   # and with 0 clears; or/xor with 0 copy
            d = self.dst(rd)
            return self.emit("mov", x_reg(d), Imm(0)) if instr.mnemonic == "andi" else self.emit("mov", x_reg(d), x_reg(s))
        t = self.tmp()
        for k in move_immediate(t, value):
            self.out.append(Guessed(k, (self.i,)))
        self.emit(_LOGIC_IMM[instr.mnemonic], x_reg(self.dst(rd)), x_reg(s), x_reg(t))

    def shift_imm(self, instr):
        rd, a, imm = instr.operands
        s = self.src(a)
        self.emit(_SHIFT_IMM[instr.mnemonic], x_reg(self.dst(rd)), x_reg(s), Imm(imm.value))

    def shift_imm32(self, instr):
        rd, a, imm = instr.operands
        s = self.src(a)
        d = self.dst(rd)
        self.emit(_SHIFT_IMM32[instr.mnemonic], w_reg(d), w_reg(s), Imm(imm.value))
        self.sign_extend(d)

    def mv(self, instr):
        rd, a = instr.operands
        s = self.src(a)
        self.emit("mov", x_reg(self.dst(rd)), x_reg(s))

    def li(self, instr):
        rd, imm = instr.operands
        if not isinstance(imm, Imm):
            self.fail("li of a symbol")
        self.li_value(rd, imm.value)

    def li_value(self, rd, value):
        for k in move_immediate(self.dst(rd), value):
            self.out.append(Guessed(k, (self.i,)))

    def lui(self, instr):
        rd, imm = instr.operands
        if isinstance(imm, Sym) and imm.reloc == "hi":
            # adrp gives the 4 KiB page, %hi the rounded one: the same once %lo/:lo12: is added
            return self.emit("adrp", x_reg(self.dst(rd)), Sym(imm.name, imm.addend), confidence=(1, 0.5))
        if not isinstance(imm, Imm):
            self.fail("relocation")
        self.li_value(rd, sext32(imm.value << 12))

    def unary(self, instr):
        rd, a = instr.operands
        s = self.src(a)
        d = self.dst(rd)
        m = instr.mnemonic
        if m == "neg":
            self.emit("neg", x_reg(d), x_reg(s))
        elif m == "not":
            self.emit("mvn", x_reg(d), x_reg(s))
        elif m == "negw":
            self.emit("neg", w_reg(d), w_reg(s))
            self.sign_extend(d)
        elif m == "sext.w":
            self.emit("sxtw", x_reg(d), w_reg(s))
        elif m == "zext.b":
            self.emit("and", x_reg(d), x_reg(s), Imm(255))

    def set_compare(self, instr):
        rd, a, b = instr.operands
        cond = _SET[instr.mnemonic]
        if self.compare(a, b):
            cond = SWAPPED[cond]
        self.emit("cset", x_reg(self.dst(rd)), Keyword(cond))

    def set_zero(self, instr):
        rd, a = instr.operands
        self.emit("cmp", x_reg(self.src(a)), Imm(0))
        self.emit("cset", x_reg(self.dst(rd)), Keyword(_SET_ZERO[instr.mnemonic]))

    def set_imm(self, instr):
        rd, a, imm = instr.operands
        self.compare_imm(self.src(a), imm.value)
        self.emit("cset", x_reg(self.dst(rd)), Keyword("lt" if instr.mnemonic == "slti" else "lo"))

    def compare(self, a, b) -> bool:
        """cmp for a, b; True when the operands were swapped (a was zero)."""
        if self._canon(b) == "x0":
            self.emit("cmp", x_reg(self.src(a)), Imm(0))
            return False
        if self._canon(a) == "x0":
            self.emit("cmp", x_reg(self.src(b)), Imm(0))
            return True
        sa, sb = self.src(a), self.src(b)
        self.emit("cmp", x_reg(sa), x_reg(sb))
        return False

    def compare_imm(self, s: str, value: int):
        if value >= 0:
            self.emit("cmp", x_reg(s), Imm(value))
        else:
            self.emit("cmn", x_reg(s), Imm(-value))

    # -- multiply and divide --

    def divide(self, instr):
        rd, a, b = instr.operands
        m = instr.mnemonic
        word = m.endswith("w")
        view = w_reg if word else x_reg
        signed = m in ("div", "divw", "rem", "remw")
        sa, sb = self.src(a), self.src(b)
        d = self.dst(rd)
        divide = "sdiv" if signed else "udiv"
        known = self.constants.get(self._canon(b))
        if m.startswith("div") and known is not None and known % (1 << 64) != 0:
            self.emit(divide, view(d), view(sa), view(sb))
        else:
            q = self.tmp()
            self.emit(divide, view(q), view(sa), view(sb))
            if m.startswith("rem"):
                # a - (a/b)*b: the dividend when b == 0 and 0 on overflow, as RISC-V defines
                self.emit("msub", view(d), view(q), view(sb), view(sa))
            else:
                # RISC-V gives all ones for a zero divisor, AArch64 0
                self.emit("cmp", view(sb), Imm(0))
                self.emit("csinv", view(d), view(q), view("zr"), Keyword("ne"))
        if word:
            self.sign_extend(d)
