"""Block rules for moves, constants (mov/movk sequences folded into one li) and addresses
(adrp + add :lo12: becomes one lla; a page only some later instruction observes is built)."""
from __future__ import annotations

from synth.dsl.asm.ast import Imm, Instruction, Mem, Reg, Sym
from synth.transpile.aarch64_to_riscv64.effects import writes_simple
from synth.transpile.aarch64_to_riscv64.mnemonics import is_control
from synth.transpile.aarch64_to_riscv64.registers import regs_of, source_reg
from synth.transpile.aarch64_to_riscv64.values import BOTH, SEXT, ZEXT, Unsupported, sext32, signed64


class MoveRules:
    """mov, movz, movn, movk, adrp, adr and `add :lo12:`."""

    def _mov(self, instr, dst, src, *rest):
        if isinstance(dst, Reg) and dst.lane is not None or isinstance(src, Reg) and src.lane is not None:
            return self._lane_move(dst, src)
        _d_name, d_bits, d_kind = source_reg(dst)
        if d_kind == "fp":
            if not isinstance(src, Reg) or source_reg(src)[2] != "fp":
                raise Unsupported("vector mov")
            self.emit("fmv.d", self.t(dst), self.t(src))
            if d_bits == 128 and source_reg(src)[1] == 128:
                self.emit("fmv.d", self.hi(dst), self.hi(src))
            return
        rd = self.t(dst)
        if isinstance(src, Imm):
            return self.mov_imm(dst, rd, src.value, d_bits)
        rs = self.t(src)
        if d_bits == 64:
            if rd != rs:
                self.emit("mv", rd, rs)
            self.known(rd, self.ext.get(rs), const=self.const.get(rs), sym=self.sym.get(rs))
            return
        if self.need(dst) > 32:
            self.zext(rs, rd)
            self.known(rd, ZEXT)
            return
        if rd != rs:
            self.emit("mv", rd, rs)
        self.known(rd, self.ext.get(rs))

    def mov_imm(self, dst: Reg, rd: str, value: int, bits: int) -> None:
        if bits == 32:
            value &= 0xFFFFFFFF
            wide = self.need(dst) > 32
            emitted = value if wide else sext32(value)
            other = sext32(value) if wide else value
            alternatives = (Instruction("li", (Reg(rd), Imm(other))),) if other != emitted else ()
            self.emit("li", rd, emitted, alternatives=alternatives)
            state = BOTH if value < 1 << 31 else (ZEXT if wide else SEXT)
            self.known(rd, state, const=emitted)
            return
        value, sources = self._fuse_movk(dst, value)
        value = signed64(value)
        self.emit("li", rd, value, src=sources)
        self.known(rd, BOTH if 0 <= value < 1 << 31 else SEXT if -(1 << 31) <= value < 0 else None,
                   const=value)

    def _fuse_movk(self, dst: Reg, value: int) -> tuple[int, tuple[int, ...]]:
        """Fold the movk instructions that complete this constant into one li."""
        name = source_reg(dst)[0]
        sources = [self.k]
        instrs = self.block.instructions
        for j in range(self.k + 1, len(instrs)):
            instr = instrs[j]
            regs = {source_reg(r)[0] for op in instr.operands for r in regs_of(op)}
            if instr.mnemonic == "movk" and instr.operands[0] == dst:
                amount = instr.operands[2].amount if len(instr.operands) > 2 else 0
                value = (value & ~(0xFFFF << amount)) | (instr.operands[1].value << amount)
                sources.append(j)
                self.skip.add(j)
                continue
            if name in regs or instr.mnemonic in ("bl", "blr") or is_control(instr):
                break
        return value & ((1 << 64) - 1), tuple(sources)

    def _movz(self, instr, dst, imm, *shift):
        value = imm.value << (shift[0].amount if shift else 0)
        self.mov_imm(dst, self.t(dst), value, self.bits(dst))

    def _movn(self, instr, dst, imm, *shift):
        value = ~(imm.value << (shift[0].amount if shift else 0))
        self.mov_imm(dst, self.t(dst), value, self.bits(dst))

    def _movk(self, instr, dst, imm, *shift):
        rd, bits = self.t(dst), self.bits(dst)
        amount = shift[0].amount if shift else 0
        field_mask = 0xFFFF << amount
        if rd in self.const:
            value = (self.const[rd] & ~field_mask) | (imm.value << amount)
            return self.mov_imm(dst, rd, value, bits)
        s = self.scratch()
        self.emit("li", s, signed64(~field_mask))
        self.emit("and", rd, rd, s)
        self.emit("li", s, signed64(imm.value << amount) if amount < 48 else signed64(imm.value << 48))
        self.emit("or", rd, rd, s)
        if bits == 32:
            self.finish_w(dst, rd, None)

    # -- addresses --

    def _adrp(self, instr, dst, sym):
        rd = self.t(dst)
        if sym.reloc == "got":
            nxt = self._next_instr()
            mem = nxt.operands[1] if nxt is not None and len(nxt.operands) > 1 else None
            if nxt is not None and nxt.mnemonic == "ldr" and isinstance(mem, Mem) \
                    and isinstance(mem.offset, Sym) \
                    and mem.offset.reloc == "got_lo12":
                self.skip.add(self.k + 1)
                self.emit("la", self.t(nxt.operands[0]), Sym(sym.name), src=(self.k, self.k + 1))
                return
            self.emit("la", rd, Sym(sym.name))
            return
        if self._page_unobserved(dst, sym):
            self.deferred[source_reg(dst)[0]] = self.k
            return
        # The page itself (AArch64's value): the address with its low 12 bits cleared.
        self.emit("lla", rd, self.symbol(sym))
        self.emit("srli", rd, rd, 12)
        self.emit("slli", rd, rd, 12)
        self.known(rd, None)
        self.page[rd] = sym.name

    def _page_unobserved(self, dst: Reg, sym: Sym) -> bool:
        """Whether the next instruction of the block naming an adrp's register only adds the
        symbol's low 12 bits to it and overwrites it: then the page never needs to exist."""
        name = source_reg(dst)[0]
        for instr in self.block.instructions[self.k + 1:]:
            if name not in {source_reg(r)[0] for op in instr.operands for r in regs_of(op)}:
                if instr.mnemonic in ("bl", "blr") or is_control(instr):
                    return False
                continue
            low = _low12_use(instr)
            return (low is not None and low[0] == name and low[1].name == sym.name
                    and name in writes_simple(instr))
        return False

    def low_address(self, dst: Reg, n: Reg, sym: Sym) -> None:
        """`add d, n, :lo12:S`: S itself when n holds S's page (as after adrp), else n plus
        the low 12 bits of S."""
        if sym.reloc != "lo12":
            raise Unsupported(f"relocation {sym.reloc} in add")
        rd, rn = self.t(dst), self.t(n)
        target = self.symbol(sym)
        src = self._adrp_source(n)
        if self.page.get(rn) == sym.name or src is not None:
            self.emit("lla", rd, target, src=src)
        else:
            s = rd if rd != rn else self.scratch()
            self.low12(s, target)
            self.emit("add", rd, rn, s)
        self.known(rd, None, sym=target)

    def _adrp_source(self, base: Reg) -> tuple[int, ...] | None:
        """(adrp index, this index) when this instruction completes a deferred adrp."""
        k = self.deferred.pop(source_reg(base)[0], None)
        return None if k is None else (k, self.k)

    def low12(self, reg: str, sym: Sym) -> None:
        """reg = the low 12 bits of a symbol's address (AArch64's :lo12:, zero-extended)."""
        self.emit("lla", reg, sym)
        self.emit("slli", reg, reg, 52)
        self.emit("srli", reg, reg, 52)

    def symbol(self, sym: Sym) -> Sym:
        """A symbol as the target names it (jump tables are renamed)."""
        table = self.info.tables.get(sym.name)
        return Sym(table.renamed if table else sym.name, sym.addend)

    def _adr(self, instr, dst, sym):
        rd = self.t(dst)
        target = self.symbol(sym)
        self.emit("lla", rd, target)
        self.known(rd, None, sym=target)

    def _next_instr(self) -> Instruction | None:
        instrs = self.block.instructions
        return instrs[self.k + 1] if self.k + 1 < len(instrs) else None


def _low12_use(instr: Instruction) -> tuple[str, Sym] | None:
    """(base register, symbol) of an `add d, base, :lo12:S` or a `[base, :lo12:S]` access."""
    ops = instr.operands
    if instr.mnemonic == "add" and len(ops) == 3 and isinstance(ops[2], Sym) and ops[2].reloc == "lo12":
        return source_reg(ops[1])[0], ops[2]
    for op in ops:
        if isinstance(op, Mem) and isinstance(op.offset, Sym) and op.offset.reloc == "lo12":
            return source_reg(op.base)[0], op.offset
    return None
