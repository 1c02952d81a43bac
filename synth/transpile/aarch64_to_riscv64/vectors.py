"""Block rules for NEON (Advanced SIMD) lane arithmetic, lowered to scalar rv64gc code.

A 128-bit v register lives in two 64-bit FP registers, as for the rest of this guesser: its
low half in the register the map gives it (so d<n> and s<n> are its low bits, as AArch64 has
them), its high half in `hi()` (fixed for the function where the half crosses blocks, else
taken for the block). RISC-V without the vector extension has no lanes, so each lane is
computed in integer scratch registers: a half is moved over bit-exactly (fmv.x.d), the lane
shifted down (and sign- or zero-extended where the operation needs it), the scalar operation
done at 64 bits (only the lane's low bits matter), and the lane shifted back into place; the
first lane of a half is the accumulator the others are or-ed into, and the half moves back
(fmv.d.x). Bitwise operations (and, eor, bsl...) take whole halves as one 64-bit lane.
A 64-bit form (v0.2s) zeroes the upper half, as AArch64 does, where the source reads it later.
"""
from __future__ import annotations

import struct

from synth.dsl.asm.ast import Imm, Reg, RegList, Shift
from synth.errors import SynthError
from synth.transpile import dataflow
from synth.transpile.aarch64 import SEMANTICS
from synth.transpile.aarch64_to_riscv64.registers import source_reg
from synth.transpile.aarch64_to_riscv64.values import Unsupported, signed64

_ARRANGEMENTS = {"8b": (8, 8), "16b": (8, 16), "4h": (16, 4), "8h": (16, 8), "2s": (32, 2),
                 "4s": (32, 4), "1d": (64, 1), "2d": (64, 2)}
_SCALAR_BITS = {"b": 8, "h": 16, "s": 32, "d": 64}


def shape(reg: Reg) -> tuple[int, int]:
    """(lane bits, lane count) of a vector operand; a scalar d0/s0 is one lane."""
    if reg.lane is not None:
        return _SCALAR_BITS[reg.arrangement], 1
    if reg.arrangement:
        return _ARRANGEMENTS[reg.arrangement]
    if reg.name[0] in _SCALAR_BITS:
        return _SCALAR_BITS[reg.name[0]], 1
    raise Unsupported(f"{reg.name} is not a vector operand")


def replicate(value: int, esize: int) -> int:
    """The 64-bit pattern of `value` (its low esize bits) in every lane."""
    lane = value & ((1 << esize) - 1)
    return sum(lane << k for k in range(0, 64, esize))


def word(mnemonic: str, esize: int) -> str:
    """add/sub/mul on 32-bit lanes as RISC-V's word forms: the same low 32 bits, and terms the
    solver matches with the source's 32-bit lane arithmetic without bit-blasting."""
    return mnemonic + "w" if esize == 32 and mnemonic in ("add", "sub", "mul") else mnemonic


def _is_vector(op) -> bool:
    return isinstance(op, RegList) or isinstance(op, Reg) and op.name[:1] == "v" and op.name[1:].isdigit()


class VectorRules:
    """NEON rules, `_v_<mnemonic>`, chosen over `_<mnemonic>` for an instruction naming a
    v register (see the module docstring)."""

    # -- plumbing --

    def vector_handler(self, instr):
        """The NEON rule for an instruction that names a v register, if there is one."""
        if not any(_is_vector(op) for op in instr.operands):
            return None
        return getattr(self, "_v_" + instr.mnemonic.replace(".", "_"), None)

    def upper_needed(self, reg: Reg) -> bool:
        """Whether the source may read bits 64-127 of v register `reg` after this instruction:
        they cross blocks, or a later instruction of the block reads them before a write."""
        name = source_reg(reg)[0]
        if name in self.info.wide_across:
            return True
        for instr in self.block.instructions[self.k + 1:]:
            try:
                eff = dataflow.effect(SEMANTICS, instr)
            except SynthError:
                return True
            if eff.reads.get(name, 0) > 64:
                return True
            if name in eff.writes:
                return False
        return False

    def half(self, reg: Reg, h: int) -> str:
        """The FP register holding half h (0: bits 0-63, 1: bits 64-127) of a v register."""
        return self.t(reg) if h == 0 else self.hi(reg)

    def lane(self, reg: Reg, esize: int, k: int, ext: str | None = None) -> str:
        """Lane k (esize bits) of reg in a fresh integer scratch register: its low esize bits
        are the lane's, the rest its sign (ext "s") or zero ("u") extension, or anything (None)."""
        h, off = divmod(k * esize, 64)
        r = self.scratch()
        self.emit("fmv.x.d", r, self.half(reg, h))
        if esize == 64:
            return r
        if ext is None:
            if off:
                self.emit("srli", r, r, off)
        elif ext == "s" and esize == 32 and off == 0:
            self.emit("sext.w", r, r)
        else:
            if 64 - esize - off:
                self.emit("slli", r, r, 64 - esize - off)
            self.emit("srai" if ext == "s" else "srli", r, r, 64 - esize)
        return r

    def write_lanes(self, dst: Reg, esize: int, count: int, compute, reads=(), halfwise: bool = True,
                    first: int = 0) -> None:
        """Lanes first..count-1 of dst (esize bits each), lane j computed by compute(j) into an
        integer scratch register it hands over; the lanes of each half are packed and the half
        moved to dst. Halves are written as they are done unless dst is also read (`reads`)
        by a later half (`halfwise` False): then all halves are computed first."""
        per = 64 // esize
        later = not halfwise and source_reg(dst)[0] in {source_reg(r)[0] for r in reads if isinstance(r, Reg)}
        done = []
        for h in range(first * esize // 64, (count * esize + 63) // 64):
            if h and self.half(dst, h) == self.half(dst, 0):   # uniform: the low half is both
                continue
            acc = None
            for j in range(max(first, h * per), min(count, (h + 1) * per)):
                value = compute(j)
                off = (j * esize) % 64
                if esize < 64:
                    if off + esize == 64:
                        self.emit("slli", value, value, off)
                    else:
                        self.emit("slli", value, value, 64 - esize)
                        self.emit("srli", value, value, 64 - esize - off)
                if acc is None:
                    acc = value
                else:
                    self.emit("or", acc, acc, value)
                    self.release(value)
            done.append((h, acc))
            if not later:
                self._put_half(dst, *done.pop())
        for h, acc in done:
            self._put_half(dst, h, acc)
        if count * esize <= 64 and self.upper_needed(dst):   # a 64-bit form zeroes the upper half
            self.emit("fmv.d.x", self.hi(dst), "zero")

    def _put_half(self, dst: Reg, h: int, acc: str) -> None:
        self.emit("fmv.d.x", self.half(dst, h), acc)
        self.release(acc)

    def lanewise(self, dst: Reg, sources: tuple, fn, ext: str | None = None, esize: int | None = None,
                 halfwise: bool = True) -> None:
        """dst = fn(lanes of sources) lane by lane; fn emits into its first argument and
        returns the register holding the result (the others are released here)."""
        e, count = shape(dst)
        if esize is not None:             # bitwise: whole halves
            count, e = count * e // esize, esize

        def compute(j):
            values = [self.lane(s, e, j, ext) for s in sources]
            out = fn(*values)
            for v in values:
                if v != out:
                    self.release(v)
            return out
        self.write_lanes(dst, e, count, compute, sources, halfwise)

    def _op(self, mnemonic: str, esize: int = 64):
        def fn(a, b):
            self.emit(word(mnemonic, esize), a, a, b)
            return a
        return fn

    # -- integer lane arithmetic --

    def _v_add(self, instr, d, n, m):
        self.lanewise(d, (n, m), self._op("add", shape(d)[0]))

    def _v_sub(self, instr, d, n, m):
        self.lanewise(d, (n, m), self._op("sub", shape(d)[0]))

    def _v_mul(self, instr, d, n, m):
        if m.lane is not None:
            raise Unsupported("multiply by element")
        self.lanewise(d, (n, m), self._op("mul", shape(d)[0]))

    def _multiply_accumulate(self, d, n, m, op: str) -> None:
        e = shape(d)[0]

        def fn(acc, a, b):
            self.emit(word("mul", e), a, a, b)
            self.emit(word(op, e), acc, acc, a)
            return acc
        if m.lane is not None:
            raise Unsupported("multiply by element")
        self.lanewise(d, (d, n, m), fn)

    def _v_mla(self, instr, d, n, m):
        self._multiply_accumulate(d, n, m, "add")

    def _v_mls(self, instr, d, n, m):
        self._multiply_accumulate(d, n, m, "sub")

    def _v_neg(self, instr, d, n):
        def fn(a):
            self.emit("neg", a, a)
            return a
        self.lanewise(d, (n,), fn)

    def _shift(self, d, n, amount: Imm, mnemonic: str, ext: str | None) -> None:
        # a right shift by a whole 64-bit lane (ushr v.2d, 64) leaves zeros or sign bits;
        # RISC-V encodes amounts up to 63
        k = amount.value

        def fn(a):
            if k >= 64 and mnemonic == "srli":
                self.emit("mv", a, "zero")
            elif k:
                self.emit(mnemonic, a, a, min(k, 63))
            return a
        self.lanewise(d, (n,), fn, ext=ext)

    def _v_shl(self, instr, d, n, amount):
        self._shift(d, n, amount, "slli", None)

    def _v_sshr(self, instr, d, n, amount):
        self._shift(d, n, amount, "srai", "s")

    def _v_ushr(self, instr, d, n, amount):
        self._shift(d, n, amount, "srli", "u")

    # -- comparisons: all ones where true --

    def _compare(self, d, n, m, test: str, signed: bool) -> None:
        def fn(a, b=None):
            b = b or "zero"
            if test == "eq":
                self.emit("sub", a, a, b)
                self.emit("seqz", a, a)
            elif test in ("gt", "hi"):
                self.emit("slt" if signed else "sltu", a, b, a)
            elif test in ("ge", "hs"):
                self.emit("slt" if signed else "sltu", a, a, b)
                self.emit("xori", a, a, 1)
            elif test == "lt":
                self.emit("slt", a, a, b)
            elif test == "le":
                self.emit("slt", a, b, a)
                self.emit("xori", a, a, 1)
            self.emit("neg", a, a)
            return a
        sources = (n,) if isinstance(m, Imm) else (n, m)
        if isinstance(m, Imm) and m.value != 0:
            raise Unsupported("compare with a nonzero immediate")
        self.lanewise(d, sources, fn, ext="s" if signed else "u")

    def _v_cmeq(self, instr, d, n, m):
        self._compare(d, n, m, "eq", False)

    def _v_cmgt(self, instr, d, n, m):
        self._compare(d, n, m, "gt", True)

    def _v_cmge(self, instr, d, n, m):
        self._compare(d, n, m, "ge", True)

    def _v_cmlt(self, instr, d, n, m):
        self._compare(d, n, m, "lt", True)

    def _v_cmle(self, instr, d, n, m):
        self._compare(d, n, m, "le", True)

    def _v_cmhi(self, instr, d, n, m):
        self._compare(d, n, m, "hi", False)

    def _v_cmhs(self, instr, d, n, m):
        self._compare(d, n, m, "hs", False)

    # -- bitwise, on whole halves --

    def _v_and(self, instr, d, n, m):
        self.lanewise(d, (n, m), self._op("and"), esize=64)

    def _v_orr(self, instr, d, n, m=None):
        if m is None or isinstance(m, Imm):
            raise Unsupported("orr with an immediate")
        self.lanewise(d, (n, m), self._op("or"), esize=64)

    def _v_eor(self, instr, d, n, m):
        self.lanewise(d, (n, m), self._op("xor"), esize=64)

    def _v_bic(self, instr, d, n, m=None):
        if m is None or isinstance(m, Imm):
            raise Unsupported("bic with an immediate")

        def fn(a, b):
            self.emit("not", b, b)
            self.emit("and", a, a, b)
            return a
        self.lanewise(d, (n, m), fn, esize=64)

    def _v_orn(self, instr, d, n, m):
        def fn(a, b):
            self.emit("not", b, b)
            self.emit("or", a, a, b)
            return a
        self.lanewise(d, (n, m), fn, esize=64)

    def _v_not(self, instr, d, n):
        def fn(a):
            self.emit("not", a, a)
            return a
        self.lanewise(d, (n,), fn, esize=64)

    _v_mvn = _v_not

    def _select(self, d, n, m, mask: int) -> None:
        """bsl (mask d), bit (mask m), bif (mask ~m): bits of n where the mask is set, else
        of the other one: ((n ^ other) & mask) ^ other."""
        def fn(dv, a, b):
            other, sel = {0: (b, dv), 1: (dv, b), 2: (dv, b)}[mask]
            self.emit("xor", a, a, other)
            if mask == 2:
                self.emit("not", sel, sel)
            self.emit("and", a, a, sel)
            self.emit("xor", a, a, other)
            return a
        self.lanewise(d, (d, n, m), fn, esize=64)

    def _v_bsl(self, instr, d, n, m):
        self._select(d, n, m, 0)

    def _v_bit(self, instr, d, n, m):
        self._select(d, n, m, 1)

    def _v_bif(self, instr, d, n, m):
        self._select(d, n, m, 2)

    # -- widening, narrowing, pairs, permutations --

    def _widen(self, d, n, signed: bool, upper: bool, shift=None) -> None:
        e, count = shape(d)
        ext = "s" if signed else "u"
        amount = shift.value if isinstance(shift, Imm) else 0

        def compute(j):
            r = self.lane(n, e // 2, j + (count if upper else 0), ext)
            if amount:
                self.emit("slli", r, r, amount)
            return r
        self.write_lanes(d, e, count, compute, (n,), halfwise=False)

    def _v_sxtl(self, instr, d, n):
        self._widen(d, n, True, False)

    def _v_sxtl2(self, instr, d, n):
        self._widen(d, n, True, True)

    def _v_uxtl(self, instr, d, n):
        self._widen(d, n, False, False)

    def _v_uxtl2(self, instr, d, n):
        self._widen(d, n, False, True)

    def _v_sshll(self, instr, d, n, shift):
        self._widen(d, n, True, False, shift)

    def _v_sshll2(self, instr, d, n, shift):
        self._widen(d, n, True, True, shift)

    def _v_ushll(self, instr, d, n, shift):
        self._widen(d, n, False, False, shift)

    def _v_ushll2(self, instr, d, n, shift):
        self._widen(d, n, False, True, shift)

    def long(self, d, n, m, signed: bool, upper: bool, base: str) -> None:
        """The long and wide forms (saddl, uaddw2, smull, umlal2...): per lane, x op y with x
        n's lane (the *w forms) or n's narrow lane extended, y m's narrow lane extended (from
        the upper half for the *2 forms); mlal/mlsl then add it to, or take it from, d's lane."""
        e, count = shape(d)
        ext = "s" if signed else "u"
        first = count if upper else 0
        accumulates = base in ("mlal", "mlsl")

        def compute(j):
            acc = self.lane(d, e, j) if accumulates else None
            x = self.lane(n, e, j) if base.endswith("w") else self.lane(n, e // 2, first + j, ext)
            y = self.lane(m, e // 2, first + j, ext)
            self.emit(word("mul" if base in ("mull", "mlal", "mlsl") else base[:3], e), x, x, y)
            self.release(y)
            if not accumulates:
                return x
            self.emit(word("add" if base == "mlal" else "sub", e), acc, acc, x)
            self.release(x)
            return acc
        self.write_lanes(d, e, count, compute, (d, n, m), halfwise=False)

    def _v_xtn(self, instr, d, n):
        e, count = shape(d)
        self.write_lanes(d, e, count, lambda j: self.lane(n, 2 * e, j), (n,), halfwise=False)

    def _v_xtn2(self, instr, d, n):
        e, count = shape(d)
        self.write_lanes(d, e, count, lambda j: self.lane(n, 2 * e, j - count // 2), (n,),
                         halfwise=False, first=count // 2)

    def _v_addp(self, instr, d, n, m=None):
        e, _ = shape(n)
        pool = [(n, k) for k in range(shape(n)[1])] + ([(m, k) for k in range(shape(m)[1])] if m else [])

        def compute(j):
            (ra, ka), (rb, kb) = pool[2 * j], pool[2 * j + 1]
            a, b = self.lane(ra, e, ka), self.lane(rb, e, kb)
            self.emit("add", a, a, b)
            self.release(b)
            return a
        self.write_lanes(d, e, len(pool) // 2, compute, (n, m) if m else (n,), halfwise=False)

    def _v_addv(self, instr, d, n):
        e, count = shape(n)

        def compute(_j):
            acc = self.lane(n, e, 0)
            for k in range(1, count):
                x = self.lane(n, e, k)
                self.emit("add", acc, acc, x)
                self.release(x)
            return acc
        self.write_lanes(d, e, 1, compute, (n,), halfwise=False)

    def _permute(self, d, n, m, pick) -> None:
        e, count = shape(d)

        def compute(j):
            k = pick(j, count)
            return self.lane(n if k < count else m, e, k % count)
        self.write_lanes(d, e, count, compute, (n, m), halfwise=False)

    def _v_uzp1(self, instr, d, n, m):
        self._permute(d, n, m, lambda i, c: 2 * i)

    def _v_uzp2(self, instr, d, n, m):
        self._permute(d, n, m, lambda i, c: 2 * i + 1)

    def _v_zip1(self, instr, d, n, m):
        self._permute(d, n, m, lambda i, c: i // 2 + (c if i % 2 else 0))

    def _v_zip2(self, instr, d, n, m):
        self._permute(d, n, m, lambda i, c: c // 2 + i // 2 + (c if i % 2 else 0))

    def _v_trn1(self, instr, d, n, m):
        self._permute(d, n, m, lambda i, c: i - i % 2 + (c if i % 2 else 0))

    def _v_trn2(self, instr, d, n, m):
        self._permute(d, n, m, lambda i, c: i - i % 2 + 1 + (c if i % 2 else 0))

    # -- constants and duplication --

    def _v_movi(self, instr, d, imm, *shift):
        if instr.mnemonic == "movi" and imm.value == 0 and not shift:
            return self._movi(instr, d, imm)     # zero, NaN-boxed where a float reads it
        self._constant(d, _movi_pattern(d, imm.value, shift[0] if shift else None,
                                        instr.mnemonic == "mvni"))

    _v_mvni = _v_movi

    def _constant(self, d: Reg, pattern: int) -> None:
        e, count = shape(d)
        s = self.imm_reg(signed64(pattern))
        self.emit("fmv.d.x", self.t(d), s)
        if e * count == 128:
            if self.hi(d) != self.t(d):
                self.emit("fmv.d.x", self.hi(d), s)
        elif self.upper_needed(d):
            self.emit("fmv.d.x", self.hi(d), "zero")

    def _v_fmov(self, instr, d, src):
        if not (isinstance(src, Imm) and d.arrangement and d.lane is None):
            return self._fmov(instr, d, src)
        e, _ = shape(d)
        raw = (struct.unpack("<Q", struct.pack("<d", float(src.value)))[0] if e == 64 else
               struct.unpack("<I", struct.pack("<f", float(src.value)))[0])
        self._constant(d, replicate(raw, e))

    def _v_dup(self, instr, d, src):
        if d.lane is not None or not d.arrangement:
            return self._dup(instr, d, src)
        e, count = shape(d)
        if isinstance(src, Reg) and src.lane is not None:
            k = src.lane
            compute = lambda j: self.lane(src, e, k)
        else:
            def compute(j):
                r = self.scratch()
                self.emit("mv", r, self.t(src))
                return r
        self.write_lanes(d, e, count, compute, (src,), halfwise=False)

    # -- floating point by lanes --

    def _v_scvtf(self, instr, d, n, *fbits):
        return self._convert(instr, d, n, fbits, True)

    def _v_ucvtf(self, instr, d, n, *fbits):
        return self._convert(instr, d, n, fbits, False)

    def _convert(self, instr, d, n, fbits, signed: bool):
        if fbits or not d.arrangement:
            return (self._scvtf if signed else self._ucvtf)(instr, d, n, *fbits)
        e, count = shape(d)
        suffix = ("l" if e == 64 else "w") + ("" if signed else "u")
        if e == 64:      # each half is one lane: convert straight into dst's register
            for h in range(count):
                r = self.lane(n, 64, h)
                self.emit(f"fcvt.d.{suffix}", self.half(d, h), r)
                self.release(r)
            return
        self.notes.append(f"{instr.mnemonic} by lanes in integer registers")

        def compute(j):
            r = self.lane(n, e, j, "s" if signed else "u")
            f = self.fscratch()
            self.emit(f"fcvt.s.{suffix}", f, r)
            self.emit("fmv.x.w", r, f)
            self.release(f)
            return r
        self.write_lanes(d, e, count, compute, (n,))

    def _float_lanes(self, instr, d, n, m, op: str) -> None:
        """A single-precision operation lane by lane through two FP scratch registers (the
        2d forms are the FP rules' own: each half is a double)."""
        e, count = shape(d)
        if e != 32:
            raise Unsupported("half-precision vector arithmetic")

        def compute(j):
            a, b = self.lane(n, e, j), self.lane(m, e, j)
            fa, fb = self.fscratch(), self.fscratch()
            self.emit("fmv.w.x", fa, a)
            self.emit("fmv.w.x", fb, b)
            self.emit(f"{op}.s", fa, fa, fb)
            self.emit("fmv.x.w", a, fa)
            for r in (b, fa, fb):
                self.release(r)
            return a
        self.write_lanes(d, e, count, compute, (n, m))

    def _v_fadd(self, instr, d, n, m):
        self._float_or_double(instr, d, n, m, "fadd")

    def _v_fsub(self, instr, d, n, m):
        self._float_or_double(instr, d, n, m, "fsub")

    def _v_fmul(self, instr, d, n, m):
        self._float_or_double(instr, d, n, m, "fmul")

    def _v_fdiv(self, instr, d, n, m):
        self._float_or_double(instr, d, n, m, "fdiv")

    def _float_or_double(self, instr, d, n, m, op: str) -> None:
        if d.arrangement in (None, "2d") or d.lane is not None or isinstance(m, Reg) and m.lane is not None:
            return self.fp3(op, instr, d, n, m)
        self._float_lanes(instr, d, n, m, op)

    def _v_fmla(self, instr, d, n, m):
        self._fused(d, n, m, "fmadd")

    def _v_fmls(self, instr, d, n, m):
        self._fused(d, n, m, "fnmsub")

    def _fused(self, d, n, m, op: str) -> None:
        """fmla/fmls of doubles: d = d +- n * m, fused as on AArch64, half by half."""
        if d.arrangement != "2d" or m.lane is not None:
            raise Unsupported("fused multiply-add other than of two doubles")
        for h in range(2):
            self.emit(f"{op}.d", self.half(d, h), self.half(n, h), self.half(m, h), self.half(d, h))


def _long_rule(signed: bool, base: str, upper: bool):
    def rule(self, instr, d, n, m):
        if m.lane is not None:
            raise Unsupported("multiply by element")
        self.long(d, n, m, signed, upper, base)
    return rule


# saddw/uaddw/ssubw/usubw(2), saddl/.../usubl(2), smull/umull/smlal/umlal/smlsl/umlsl(2)
for _sign in "su":
    for _base in ("addw", "subw", "addl", "subl", "mull", "mlal", "mlsl"):
        for _upper in ("", "2"):
            setattr(VectorRules, f"_v_{_sign}{_base}{_upper}", _long_rule(_sign == "s", _base, _upper == "2"))


def _movi_pattern(d: Reg, value: int, shift: Shift | None, invert: bool) -> int:
    """The 64-bit pattern movi/mvni put in each half: the immediate shifted (msl shifts in
    ones), inverted for mvni, in every lane (as aarch64._movi)."""
    e, _ = shape(d)
    amount = shift.amount or 0 if isinstance(shift, Shift) else 0
    lane = value << amount
    if isinstance(shift, Shift) and shift.op == "msl":
        lane |= (1 << amount) - 1
    if invert:
        lane = ~lane
    return replicate(lane, e)
