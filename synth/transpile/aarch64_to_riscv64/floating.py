"""Block rules for floating point: arithmetic, fused multiply-adds (the sign conventions of the
two ISAs differ), moves between register files and 64-bit lanes, and conversions (RISC-V
converts NaN to the largest integer where AArch64 gives 0: noted)."""
from __future__ import annotations

import struct

from synth.dsl.asm.ast import Imm, Keyword, Reg
from synth.transpile.aarch64_to_riscv64.registers import regs_of, source_reg
from synth.transpile.aarch64_to_riscv64.values import SEXT, Unsupported


class FloatRules:
    """Floating-point rules."""

    def fp3(self, op: str, instr, dst, n, m):
        if dst.arrangement == "2d":   # two doubles: the low halves, then the high ones
            self.emit(f"{op}.d", self.t(dst), self.t(n), self.t(m))
            self.emit(f"{op}.d", self.hi(dst), self.hi(n), self.hi(m))
            return
        p = "s" if self.bits(dst) == 32 else "d"
        if self.bits(dst) not in (32, 64) or dst.arrangement:
            raise Unsupported("vector arithmetic")
        self.emit(f"{op}.{p}", self.t(dst), self.t(n), self.t(m))

    def _fadd(self, instr, *ops):
        self.fp3("fadd", instr, *ops)

    def _fsub(self, instr, *ops):
        self.fp3("fsub", instr, *ops)

    def _fmul(self, instr, *ops):
        self.fp3("fmul", instr, *ops)

    def _fdiv(self, instr, *ops):
        self.fp3("fdiv", instr, *ops)

    def _fmaxnm(self, instr, *ops):
        self.fp3("fmax", instr, *ops)

    def _fminnm(self, instr, *ops):
        self.fp3("fmin", instr, *ops)

    def _fmax(self, instr, *ops):
        self.notes.append("fmax: RISC-V returns the non-NaN operand where AArch64 returns NaN")
        self.fp3("fmax", instr, *ops)

    def _fmin(self, instr, *ops):
        self.notes.append("fmin: RISC-V returns the non-NaN operand where AArch64 returns NaN")
        self.fp3("fmin", instr, *ops)

    def fp4(self, op: str, dst, n, m, a):
        p = "s" if self.bits(dst) == 32 else "d"
        self.emit(f"{op}.{p}", self.t(dst), self.t(n), self.t(m), self.t(a))

    def _fmadd(self, instr, *ops):
        self.fp4("fmadd", *ops)

    def _fmsub(self, instr, *ops):
        self.fp4("fnmsub", *ops)

    def _fnmadd(self, instr, *ops):
        self.fp4("fnmadd", *ops)

    def _fnmsub(self, instr, *ops):
        self.fp4("fmsub", *ops)

    def fp2(self, op: str, dst, n):
        p = "s" if self.bits(dst) == 32 else "d"
        if self.bits(dst) not in (32, 64):
            raise Unsupported("vector arithmetic")
        self.emit(f"{op}.{p}", self.t(dst), self.t(n))

    def _fneg(self, instr, dst, n):
        self.fp2("fneg", dst, n)

    def _fabs(self, instr, dst, n):
        self.fp2("fabs", dst, n)

    def _fsqrt(self, instr, dst, n):
        self.fp2("fsqrt", dst, n)

    # -- moves --

    def _fmov(self, instr, dst, src):
        if isinstance(dst, Reg) and dst.lane is not None or isinstance(src, Reg) and src.lane is not None:
            return self._lane_move(dst, src)
        d_name, d_bits, d_kind = source_reg(dst)
        if isinstance(src, Imm) and dst.arrangement == "2d":
            raw = struct.unpack("<q", struct.pack("<d", float(src.value)))[0]
            s = self.imm_reg(raw)
            self.emit("fmv.d.x", self.t(dst), s)
            self.emit("fmv.d.x", self.hi(dst), s)
            return
        if isinstance(src, Imm):
            if dst.arrangement:
                raise Unsupported("vector fmov")
            value = float(src.value)
            if d_bits == 32:
                raw = struct.unpack("<i", struct.pack("<f", value))[0]
                mv = "fmv.w.x"
            else:
                raw = struct.unpack("<q", struct.pack("<d", value))[0]
                mv = "fmv.d.x"
            if raw == 0:
                self.emit(mv, self.t(dst), "zero")
                return
            s = self.scratch()
            self.emit("li", s, raw)
            self.emit(mv, self.t(dst), s)
            return
        _s_name, _s_bits, s_kind = source_reg(src)
        if d_kind == "fp" and s_kind == "fp":
            self.emit("fmv.s" if d_bits == 32 else "fmv.d", self.t(dst), self.t(src))
        elif d_kind == "fp":
            if d_bits == 32 and self._read_wide_next(d_name):
                # AArch64 zeroes bits 32-127; RISC-V would NaN-box: build the zeros by hand
                s = self.zext(self.t(src), self.scratch())
                self.emit("fmv.d.x", self.t(dst), s)
                return
            self.emit("fmv.w.x" if d_bits == 32 else "fmv.d.x", self.t(dst), self.t(src))
        else:
            rd = self.t(dst)
            self.emit("fmv.x.w" if d_bits == 32 else "fmv.x.d", rd, self.t(src))
            if d_bits == 32:
                self.finish_w(dst, rd, SEXT)

    def _next_use_bits(self, name: str) -> int | None:
        """Bits at which the next instruction of the block naming v register `name` names it."""
        for instr in self.block.instructions[self.k + 1:]:
            regs = [r for op in instr.operands for r in regs_of(op) if source_reg(r)[0] == name]
            if regs:
                return max(source_reg(r)[1] for r in regs)
        return None

    def _read_wide_next(self, name: str) -> bool:
        """Whether the next instruction of the block that names v register `name` reads more
        than its low 32 bits."""
        for instr in self.block.instructions[self.k + 1:]:
            regs = [r for op in instr.operands for r in regs_of(op) if source_reg(r)[0] == name]
            if regs:
                return any(source_reg(r)[1] > 32 or r.arrangement for r in regs)
        return False

    def _lane_move(self, dst: Reg, src) -> None:
        """Moves of a 64-bit lane: `ins v0.d[1], x1`, `umov x0, v0.d[1]`, `dup d0, v1.d[1]`."""
        def half(reg: Reg) -> str:
            if reg.arrangement not in ("d",) or reg.lane not in (0, 1):
                raise Unsupported("lane move other than a 64-bit lane")
            return self.t(reg) if reg.lane == 0 else self.hi(reg)
        if isinstance(dst, Reg) and dst.lane is not None:
            if isinstance(src, Reg) and src.lane is not None:
                self.emit("fmv.d", half(dst), half(src))
            elif source_reg(src)[2] == "int":
                self.emit("fmv.d.x", half(dst), self.t(src))
            else:
                self.emit("fmv.d", half(dst), self.t(src))
            return
        if source_reg(dst)[2] == "int":
            self.emit("fmv.x.d", self.t(dst), half(src))
        else:
            self.emit("fmv.d", self.t(dst), half(src))

    def _umov(self, instr, dst, src):
        self._lane_move(dst, src)

    def _ins(self, instr, dst, src):
        self._lane_move(dst, src)

    def _dup(self, instr, dst, src):
        if dst.lane is None and dst.arrangement is None and isinstance(src, Reg) and src.lane is not None:
            return self._lane_move(dst, src)
        if dst.arrangement == "2d" and source_reg(src)[2] == "int":
            self.emit("fmv.d.x", self.t(dst), self.t(src))
            self.emit("fmv.d.x", self.hi(dst), self.t(src))
            return
        raise Unsupported("vector dup")

    def _movi(self, instr, dst, imm, *shift):
        if imm.value != 0 or shift:
            raise Unsupported("movi of a nonzero vector constant")
        name, bits, _ = source_reg(dst)
        # a float zero must be NaN-boxed to read as one on RISC-V
        use = self._next_use_bits(name)
        if use is None:   # the next block on (gcc puts a loop's entry right after its setup)
            later = [i for b in self.info.function.blocks[self.index + 1:] for i in b.instructions]
            use = next((max(source_reg(r)[1] for r in regs) for i in later
                        if (regs := [r for op in i.operands for r in regs_of(op) if source_reg(r)[0] == name])),
                       None)
        if use is None:   # no later read in order: single if the function only uses s<n>
            widths = {source_reg(r)[1] for b in self.info.function.blocks for i in b.instructions
                      if i.mnemonic != "movi" for op in i.operands for r in regs_of(op)
                      if source_reg(r)[0] == name}
            use = widths.pop() if len(widths) == 1 else None
        single = bits <= 64 and use == 32
        self.emit("fmv.w.x" if single else "fmv.d.x", self.t(dst), "zero")
        if bits == 128 and self.hi(dst) != self.t(dst):
            self.emit("fmv.d.x", self.hi(dst), "zero")

    # -- conversions --

    def _fcvt(self, instr, dst, src):
        d, s = self.bits(dst), self.bits(src)
        names = {(64, 32): "fcvt.d.s", (32, 64): "fcvt.s.d"}
        if (d, s) not in names:
            raise Unsupported("half-precision conversion")
        self.emit(names[(d, s)], self.t(dst), self.t(src))

    def int_to_fp(self, dst: Reg, src: Reg, unsigned: bool) -> None:
        d = "s" if self.bits(dst) == 32 else "d"
        _name, bits, kind = source_reg(src)
        if kind == "fp":   # the integer is in an FP register
            s = self.scratch()
            self.emit("fmv.x.w" if bits == 32 else "fmv.x.d", s, self.t(src))
            r = s
        else:
            r = self.t(src)
        i = ("w" if bits == 32 else "l") + ("u" if unsigned else "")
        self.emit(f"fcvt.{d}.{i}", self.t(dst), r)

    def _scvtf(self, instr, dst, src, *fbits):
        self.int_to_fp(dst, src, False)
        if fbits:
            self.scale(dst, -fbits[0].value)

    def _ucvtf(self, instr, dst, src, *fbits):
        self.int_to_fp(dst, src, True)
        if fbits:
            self.scale(dst, -fbits[0].value)

    def scale(self, reg: Reg, exponent: int) -> None:
        """reg *= 2**exponent: exact, as a fixed-point conversion's scaling is."""
        p = "s" if self.bits(reg) == 32 else "d"
        f, s = self.fscratch(), self.scratch()
        raw = struct.unpack("<q", struct.pack("<d", 2.0 ** exponent))[0] if p == "d" else \
            struct.unpack("<i", struct.pack("<f", 2.0 ** exponent))[0]
        self.emit("li", s, raw)
        self.emit("fmv.d.x" if p == "d" else "fmv.w.x", f, s)
        self.emit(f"fmul.{p}", self.t(reg), self.t(reg), f)

    def fp_to_int(self, dst: Reg, src: tuple[str, int], unsigned: bool) -> None:
        """dst = src (a target FP register and its bits) converted toward zero."""
        fs, src_bits = src
        s = "s" if src_bits == 32 else "d"
        _name, bits, kind = source_reg(dst)
        i = ("w" if bits == 32 else "l") + ("u" if unsigned else "")
        if kind == "fp":
            r = self.scratch()
            self.emit(f"fcvt.{i}.{s}", r, fs, Keyword("rtz"))
            self.emit("fmv.w.x" if bits == 32 else "fmv.d.x", self.t(dst), r)
            return
        rd = self.t(dst)
        self.emit(f"fcvt.{i}.{s}", rd, fs, Keyword("rtz"))
        self.notes.append("fcvtz*: NaN converts to 0 on AArch64, to the largest integer on RISC-V")
        if bits == 32:
            self.finish_w(dst, rd, SEXT)

    def _fcvtzs(self, instr, dst, src, *fbits):
        self.fp_to_int(dst, self.scaled(src, fbits), False)

    def _fcvtzu(self, instr, dst, src, *fbits):
        self.fp_to_int(dst, self.scaled(src, fbits), True)

    def scaled(self, src: Reg, fbits: tuple) -> tuple[str, int]:
        """The target register and bits of src, or of src * 2**fbits in an FP scratch register
        for a fixed-point conversion."""
        if not fbits:
            return self.t(src), self.bits(src)
        p = "s" if self.bits(src) == 32 else "d"
        f, s = self.fscratch(), self.scratch()
        raw = struct.unpack("<q", struct.pack("<d", 2.0 ** fbits[0].value))[0] if p == "d" else \
            struct.unpack("<i", struct.pack("<f", 2.0 ** fbits[0].value))[0]
        self.emit("li", s, raw)
        self.emit("fmv.d.x" if p == "d" else "fmv.w.x", f, s)
        self.emit(f"fmul.{p}", f, self.t(src), f)
        self.release(s)
        return f, self.bits(src)
