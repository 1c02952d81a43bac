"""Block rules for floating point (mnemonics `f<op>.<fmt>`): arithmetic, fused multiply-adds (the
sign conventions of the two ISAs differ), compares into a register, moves and conversions
(NaN converts to the largest integer on RISC-V, to 0 on AArch64: a lower confidence)."""
from __future__ import annotations

from synth.dsl.asm.ast import Keyword
from synth.transpile.riscv64_to_aarch64.registers import d_reg, s_reg, w_reg, x_reg

# FP compares: conditions that are false when the operands are unordered (NaN).
_FCMP = {"feq": "eq", "flt": "mi", "fle": "ls", "fgt": "gt", "fge": "ge"}
_F3 = {"fadd": "fadd", "fsub": "fsub", "fmul": "fmul", "fdiv": "fdiv", "fmin": "fminnm", "fmax": "fmaxnm"}
_F2 = {"fsqrt": "fsqrt", "fneg": "fneg", "fabs": "fabs", "fmv": "fmov"}
# RISC-V fmsub = a*b-c is AArch64 fnmsub; fnmsub = -(a*b)+c is fmsub; fnmadd = -(a*b)-c.
_F4 = {"fmadd": "fmadd", "fmsub": "fnmsub", "fnmsub": "fmsub", "fnmadd": "fnmadd"}
_FCVT_INT = {"rtz": "fcvtz", "rne": "fcvtn", "dyn": "fcvtn", "rdn": "fcvtm", "rup": "fcvtp", "rmm": "fcvta"}
_SIGN_SWAP = {"fsgnj": "fmov", "fsgnjn": "fneg", "fsgnjx": "fabs"}


class FloatRules:
    """Floating-point rules."""

    def float_op(self, instr):
        m, ops = instr.mnemonic, instr.operands
        parts = m.split(".")
        base = parts[0]
        if len(parts) == 3:
            return self.float_move_convert(instr)
        if len(parts) != 2 or parts[1] not in "ds":
            return self.fail()
        view = d_reg if parts[1] == "d" else s_reg
        rounding = ops[-1] if ops and isinstance(ops[-1], Keyword) else None
        if rounding is not None and rounding.name not in ("dyn", "rne"):
            self.fail(f"rounding mode {rounding.name}")
        ops = ops[:-1] if rounding is not None else ops
        if base in _FCMP:
            rd, a, b = ops
            self.emit("fcmp", view(self.fp(a)), view(self.fp(b)))
            return self.emit("cset", x_reg(self.dst(rd)), Keyword(_FCMP[base]))
        if base in _F3:
            rd, a, b = ops
            # fminnm/fmaxnm differ from fmin/fmax only on signalling NaNs
            return self.emit(_F3[base], view(self.fp(rd)), view(self.fp(a)), view(self.fp(b)),
                             confidence=(0.9, 0.9, 0.9) if base in ("fmin", "fmax") else ())
        if base in _F2:
            rd, a = ops
            return self.emit(_F2[base], view(self.fp(rd)), view(self.fp(a)))
        if base in _F4:
            rd, a, b, c = ops
            return self.emit(_F4[base], *(view(self.fp(r)) for r in (rd, a, b, c)))
        if base in _SIGN_SWAP:
            rd, a, b = ops
            if self._canon(a) != self._canon(b):
                self.fail("sign injection from another register")
            return self.emit(_SIGN_SWAP[base], view(self.fp(rd)), view(self.fp(a)))
        self.fail()

    def float_move_convert(self, instr):
        m, ops = instr.mnemonic, instr.operands
        _, to, frm = (m.split(".") + [""])[:3]
        rounding = ops[-1].name if ops and isinstance(ops[-1], Keyword) else "dyn"
        rd, a = ops[0], ops[1]
        fview = {"d": d_reg, "s": s_reg}
        if m.startswith("fmv."):
            if m in ("fmv.x.d", "fmv.x.w"):
                s = self.fp(a)
                d = self.dst(rd)
                if m == "fmv.x.d":
                    return self.emit("fmov", x_reg(d), d_reg(s))
                self.emit("fmov", w_reg(d), s_reg(s))
                return self.sign_extend(d)
            if m == "fmv.d.x":
                s = self.src(a)
                return self.emit("fmov", d_reg(self.fp(rd)), x_reg(s))
            if m == "fmv.w.x":
                s = self.src(a)
                return self.emit("fmov", s_reg(self.fp(rd)), w_reg(s))
            return self.fail()
        if to in "ds" and frm in "ds":                      # fcvt.d.s, fcvt.s.d
            return self.emit("fcvt", fview[to](self.fp(rd)), fview[frm](self.fp(a)))
        if to in "ds":                                      # integer -> FP
            s = self.src(a)
            view = w_reg if frm in ("w", "wu") else x_reg
            if frm not in ("w", "wu", "l", "lu"):
                self.fail()
            return self.emit("ucvtf" if frm.endswith("u") else "scvtf", fview[to](self.fp(rd)), view(s))
        if frm in "ds" and to in ("w", "wu", "l", "lu"):    # FP -> integer
            if rounding not in _FCVT_INT:
                self.fail(f"rounding mode {rounding}")
            s = self.fp(a)
            d = self.dst(rd)
            word = to in ("w", "wu")
            mnemonic = _FCVT_INT[rounding] + ("u" if to.endswith("u") else "s")
            # NaN converts to the largest integer on RISC-V, to 0 on AArch64
            self.emit(mnemonic, (w_reg if word else x_reg)(d), fview[frm](s), confidence=(1, 0.9))
            if word:
                self.sign_extend(d)   # RISC-V sign-extends fcvt.wu.d's 32-bit result too
            return
        self.fail()
