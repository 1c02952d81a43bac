"""Block rules for loads and stores: AArch64's addressing modes (register offsets with extends,
pre- and post-index writeback, :lo12: offsets) as RISC-V base + 12-bit offset, pairs and
128-bit registers as two 64-bit accesses, and lw or lwu by how the loaded word is read."""
from __future__ import annotations

from synth.dsl.asm.ast import Imm, Instruction, Mem, Reg, RegList, Sym
from synth.transpile.aarch64_to_riscv64.registers import source_reg
from synth.transpile.aarch64_to_riscv64.values import BOTH, SEXT, ZEXT, Unsupported, fits12, operand, plus

_LOAD = {("ldr", 64): ("ld", 8), ("ldr", 32): ("lw", 4), ("ldrb", 32): ("lbu", 1),
         ("ldrh", 32): ("lhu", 2), ("ldrsb", 32): ("lb", 1), ("ldrsb", 64): ("lb", 1),
         ("ldrsh", 32): ("lh", 2), ("ldrsh", 64): ("lh", 2), ("ldrsw", 64): ("lw", 4),
         ("ldrb", 64): ("lbu", 1), ("ldrh", 64): ("lhu", 2)}

_STORE = {("str", 64): "sd", ("str", 32): "sw", ("strb", 32): "sb", ("strh", 32): "sh"}


class MemoryRules:
    """Loads, stores and addresses."""

    def address(self, mem: Mem, size: int, second: int = 0, into: str | None = None) \
            -> tuple[str, int | Sym, str | None]:
        """(base register, 12-bit offset, post-index writeback amount) of a memory operand; the
        pre-index writeback and any address arithmetic are emitted here."""
        base = self.t(mem.base)
        off = mem.offset
        if isinstance(off, Reg):
            index = self.t(off)
            ext = mem.extend
            s = self.scratch()
            amount = ext.amount if ext and ext.amount is not None else 0
            kind = ext.op if ext else "lsl"
            if kind == "uxtw":
                self.zext(index, s, amount)
            elif kind == "sxtw":
                src = self.sext(index)
                self.emit("slli", s, src, amount) if amount else self.emit("mv", s, src)
            elif kind in ("lsl", "uxtx", "sxtx"):
                if amount:
                    self.emit("slli", s, index, amount)
                else:
                    self.emit("add", s, base, index)
                    return s, 0, None
            else:
                raise Unsupported(f"address extend {kind}")
            self.emit("add", s, base, s)
            return s, 0, None
        if isinstance(off, Sym):
            if off.reloc != "lo12":
                raise Unsupported(f"relocation {off.reloc} in an address")
            full = self.symbol(off)
            src = self._adrp_source(mem.base)
            if self.page.get(base) == off.name or src is not None:
                s = into or self.scratch()
                self.emit("lla", s, full, src=src)
                self.known(s, None, sym=full)
                return s, 0, None
            s = self.scratch()
            self.low12(s, full)
            self.emit("add", s, base, s)
            return s, 0, None
        value = off.value if isinstance(off, Imm) else 0
        if mem.mode == "pre":
            self.add_imm(base, base, value)
            return base, 0, None
        if mem.mode == "post":
            return base, 0, value
        if fits12(value) and fits12(value + second):
            return base, value, None
        s = self.scratch()
        self.emit("li", s, value)
        self.emit("add", s, base, s)
        return s, 0, None

    def load(self, mnemonic: str, dst: Reg, mem: Mem) -> None:
        mnemonic = {"ldur": "ldr", "ldurb": "ldrb", "ldurh": "ldrh", "ldursb": "ldrsb",
                    "ldursh": "ldrsh", "ldursw": "ldrsw", "ldar": "ldr", "ldarb": "ldrb",
                    "ldarh": "ldrh"}.get(mnemonic, mnemonic)
        name, bits, kind = source_reg(dst)
        if kind == "fp":
            return self.fp_access(dst, mem, bits, store=False)
        if self._table_load(dst, mem):
            return
        op, size = _LOAD[(mnemonic, bits)]
        rd = self.t(dst)
        same = source_reg(mem.base)[0] == name and mem.mode == "offset"
        base, off, post = self.address(mem, size, into=rd if same else None)
        alternatives, confidence = (), ()
        state = {"lbu": BOTH, "lhu": BOTH, "lb": SEXT, "lh": SEXT, "lw": SEXT, "ld": None}[op]
        if op == "lw" and mnemonic == "ldr":
            if self.need(dst) > 32:
                op, state = "lwu", ZEXT
                alternatives = (Instruction("lw", (Reg(rd), Mem(Reg(base), operand(off)))),)
            else:
                alternatives = (Instruction("lwu", (Reg(rd), Mem(Reg(base), operand(off)))),)
            confidence = (0.9, 1.0)
        self.emit(op, rd, Mem(Reg(base), operand(off)), confidence=confidence, alternatives=alternatives)
        if post is not None:
            self.add_imm(base, base, post)
        if bits == 32 and op in ("lb", "lh"):
            self.finish_w(dst, rd, state)
        else:
            self.known(rd, state)

    def store(self, mnemonic: str, src: Reg, mem: Mem) -> None:
        mnemonic = {"stur": "str", "sturb": "strb", "sturh": "strh", "stlr": "str",
                    "stlrb": "strb", "stlrh": "strh"}.get(mnemonic, mnemonic)
        _name, bits, kind = source_reg(src)
        if kind == "fp":
            return self.fp_access(src, mem, bits, store=True)
        op = _STORE[(mnemonic, bits if mnemonic == "str" else 32)]
        rs = self.t(src)
        base, off, post = self.address(mem, 8)
        self.emit(op, rs, Mem(Reg(base), operand(off)))
        if post is not None:
            self.add_imm(base, base, post)

    def _ldr(self, instr, dst, mem):
        if not isinstance(mem, Mem):
            raise Unsupported("literal load")
        self.load(instr.mnemonic, dst, mem)

    _ldrb = _ldrh = _ldrsb = _ldrsh = _ldrsw = _ldur = _ldurb = _ldurh = _ldursb = _ldursh = \
        _ldursw = _ldar = _ldarb = _ldarh = _ldr

    def _str(self, instr, src, mem):
        self.store(instr.mnemonic, src, mem)

    _strb = _strh = _stur = _sturb = _sturh = _stlr = _stlrb = _stlrh = _str

    def fp_access(self, reg: Reg, mem: Mem, bits: int, store: bool) -> None:
        """Load or store an s, d or q register (a q register as two doublewords)."""
        base, off, post = self.address(mem, bits // 8, 8 if bits == 128 else 0)
        self.fp_access_at(reg, bits, base, off, store)
        if post is not None:
            self.add_imm(base, base, post)

    def fp_access_at(self, reg: Reg, bits: int, base: str, off, store: bool) -> None:
        word, double = ("fsw", "fsd") if store else ("flw", "fld")
        if bits == 32:
            self.emit(word, self.t(reg), Mem(Reg(base), operand(off)))
        elif bits == 64:
            self.emit(double, self.t(reg), Mem(Reg(base), operand(off)))
        elif bits == 128:
            self.emit(double, self.t(reg), Mem(Reg(base), operand(off)))
            self.emit(double, self.hi(reg), Mem(Reg(base), operand(plus(off, 8))))
        elif bits in (8, 16):   # b/h registers: through an integer register, bit-exact
            s = self.scratch()
            at = Mem(Reg(base), operand(off))
            if store:
                self.emit("fmv.x.d", s, self.t(reg))
                self.emit("sb" if bits == 8 else "sh", s, at)
            else:   # AArch64 zeroes the rest of the register
                self.emit("lbu" if bits == 8 else "lhu", s, at)
                self.emit("fmv.d.x", self.t(reg), s)
                if self.upper_needed(reg):
                    self.emit("fmv.d.x", self.hi(reg), "zero")
            self.release(s)
        else:
            raise Unsupported(f"{bits}-bit FP {'store' if store else 'load'}")

    def pair(self, regs: tuple[Reg, ...], mem: Mem, store: bool, signed_word: bool = False) -> None:
        _name, bits, kind = source_reg(regs[0])
        size = bits // 8
        span = size * (len(regs) - 1) + (8 if bits == 128 else 0)
        base, off, post = self.address(mem, size, span)
        order = list(enumerate(regs))
        if not store:   # a load into the base register goes last
            order.sort(key=lambda x: kind == "int" and self.t(x[1]) == base)
        for j, reg in order:
            at = plus(off, j * size)
            if kind == "fp":
                self.fp_access_at(reg, bits, base, at, store)
            elif store:
                self.emit("sd" if bits == 64 else "sw", self.t(reg), Mem(Reg(base), operand(at)))
            else:
                rd = self.t(reg)
                if bits == 64:
                    self.emit("ld", rd, Mem(Reg(base), operand(at)))
                    self.known(rd, SEXT if signed_word else None)
                elif signed_word:
                    self.emit("lw", rd, Mem(Reg(base), operand(at)))
                    self.known(rd, SEXT)
                else:
                    wide = self.need(reg) > 32
                    other = Instruction("lw" if wide else "lwu", (Reg(rd), Mem(Reg(base), operand(at))))
                    self.emit("lwu" if wide else "lw", rd, Mem(Reg(base), operand(at)), confidence=(0.9, 1.0),
                              alternatives=(other,))
                    self.known(rd, ZEXT if wide else SEXT)
        if post is not None:
            self.add_imm(base, base, post)

    def _ldp(self, instr, a, b, mem):
        self.pair((a, b), mem, False)

    _ldnp = _ldp

    def _ldpsw(self, instr, a, b, mem):
        self.pair((Reg("w" + a.name[1:]), Reg("w" + b.name[1:])), mem, False, signed_word=True)
        for reg in (a, b):
            self.known(self.t(reg), SEXT)

    def _stp(self, instr, a, b, mem):
        self.pair((a, b), mem, True)

    _stnp = _stp

    def _ld1(self, instr, regs, mem):
        self.vector_list(regs, mem, False)

    def _st1(self, instr, regs, mem):
        self.vector_list(regs, mem, True)

    def vector_list(self, regs: RegList, mem: Mem, store: bool) -> None:
        if regs.lane is not None or any(r.arrangement not in ("16b", "8h", "4s", "2d") for r in regs.regs):
            raise Unsupported("ld1/st1 of lanes")
        if isinstance(mem.offset, Reg):
            raise Unsupported("ld1/st1 register post-index")
        qs = tuple(Reg(f"q{r.name[1:]}") for r in regs.regs)
        self.pair(qs, mem, store)

    def _prfm(self, instr, *ops):
        pass
