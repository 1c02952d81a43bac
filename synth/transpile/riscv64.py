"""RV64GC semantics over machine.State, for the instructions gcc 12 emits for C at -O0..-O2.

Covered: RV64I, M, F and D, the A extension's amo*/lr/sc (gcc uses them for C11 atomics),
fence, the assembler's pseudo-instructions, and %hi/%lo/%pcrel_hi/%pcrel_lo relocations.

Modelling choices (the machine model has no PC, no link value, no CSRs, one hart):
  - Addresses are symbolic, the PC is not modelled: `auipc` only with %pcrel_hi(S), whose value
    is taken as the hardware's when the auipc's own address is 0 mod 4096, i.e. S - sext(lo12(S));
    %pcrel_lo(L) must first be turned into its symbol by `resolve_pcrel`. `lui %hi(S)` is the
    same value over 64 bits; it equals the hardware's wherever the linker accepts %hi(S).
  - Control flow leaves as an Exit; a link register is never written (the return address is
    not a value the model has). A jal/jalr that links to ra is a "call", one that links to zero
    a "jump"/"indirect"/"return". `tail f` is Exit("jump", "f"), as AArch64's `b f` is: a jump
    to no label of the function is a tail call, which the CFG tells. Likewise `jr a5` is
    "indirect" whether it is a jump-table branch or an indirect tail call.
  - Floating point: frm is not modelled, so the dynamic rounding mode is RNE (the value at
    reset, which C programs keep); fflags is not modelled, so the CSR reads and writes of it
    (frflags/fsflags, which gcc wraps around quiet comparisons) are unsupported.
  - Atomics run as one hart would: ordering suffixes and fences do nothing, `sc` succeeds.
"""
from __future__ import annotations

import dataclasses
import operator
import re
from collections.abc import Callable, Iterable

import z3

from synth.dsl.asm import format_instruction
from synth.dsl.asm.ast import Hole, Imm, Instruction, Keyword, Label, Listing, Mem, Reg, Sym
from synth.errors import SynthError
from synth.transpile.machine import Exit, Semantics, State, arithmetic_shift, symbol, unsupported

WIDTHS = {**{f"x{i}": 64 for i in range(1, 32)}, **{f"f{i}": 64 for i in range(32)}}

_X_ABI = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", *(f"a{i}" for i in range(8)),
          *(f"s{i}" for i in range(2, 12)), "t3", "t4", "t5", "t6"]
_F_ABI = [*(f"ft{i}" for i in range(8)), "fs0", "fs1", *(f"fa{i}" for i in range(8)),
          *(f"fs{i}" for i in range(2, 12)), *(f"ft{i}" for i in range(8, 12))]
_ALIASES = {"fp": "x8",
            **{n: f"x{i}" for i, n in enumerate(_X_ABI)}, **{f"x{i}": f"x{i}" for i in range(32)},
            **{n: f"f{i}" for i, n in enumerate(_F_ABI)}, **{f"f{i}": f"f{i}" for i in range(32)}}


def canonical(name: str) -> str:
    """ABI or numeric register name -> x0..x31 / f0..f31."""
    try:
        return _ALIASES[name]
    except KeyError:
        raise ValueError(f"not a riscv64 register: {name!r}") from None


class _Unsupported(Exception):
    """Raised inside a rule; `execute` turns it into the user-facing UnsupportedInstruction."""


# ---- bit-vector helpers ---------------------------------------------------------------------

def _bv(value: int, bits: int = 64) -> z3.BitVecRef:
    return z3.BitVecVal(value % (1 << bits), bits)


def _low(v: z3.BitVecRef, bits: int) -> z3.BitVecRef:
    return z3.Extract(bits - 1, 0, v)


def _sext(v: z3.BitVecRef, bits: int = 64) -> z3.BitVecRef:
    return z3.SignExt(bits - v.size(), v) if v.size() < bits else v


def _lo12(address: z3.BitVecRef) -> z3.BitVecRef:
    """%lo: the low 12 bits, which every user (addi, loads, stores) sign-extends."""
    return _sext(_low(address, 12))


def _hi(address: z3.BitVecRef) -> z3.BitVecRef:
    """%hi and %pcrel_hi: what lui/auipc must give so that adding %lo lands on the address."""
    return (address + 0x800) & ~_bv(0xFFF)


def _bool(cond: z3.BoolRef, bits: int = 64) -> z3.BitVecRef:
    return z3.If(cond, _bv(1, bits), _bv(0, bits))


# ---- operands -------------------------------------------------------------------------------

_ROUNDING = {"rne": z3.RNE, "rtz": z3.RTZ, "rdn": z3.RTN, "rup": z3.RTP, "rmm": z3.RNA,
             "dyn": z3.RNE}   # dyn reads frm, which is not modelled: RNE, its value at reset
_PLT = re.compile(r"@plt$")


class _Operands:
    """An instruction's operands, read left to right as the kind each rule expects."""

    def __init__(self, state: State, instr: Instruction):
        self.state, self.rest = state, list(instr.operands)

    def _next(self, *kinds):
        if not self.rest or not isinstance(self.rest[0], kinds):
            found = type(self.rest[0]).__name__ if self.rest else "nothing"
            raise _Unsupported(f"expected {'/'.join(k.__name__ for k in kinds)}, found {found}")
        return self.rest.pop(0)

    def _reg(self, file: str) -> str:
        return _register(self._next(Reg), file)

    def xd(self) -> str:
        """A destination integer register (x0 included; writes to it are dropped)."""
        return self._reg("x")

    def x(self) -> z3.BitVecRef:
        return _read_x(self.state, self._reg("x"))

    def fd(self) -> str:
        return self._reg("f")

    def f(self) -> z3.BitVecRef:
        return self.state.get(self._reg("f"))

    def imm(self) -> z3.BitVecRef:
        """A 12-bit immediate: a number or %lo/%pcrel_lo of a symbol."""
        return _offset(self._next(Imm, Sym, Hole))

    def upper(self, reloc: str) -> z3.BitVecRef:
        """lui's or auipc's operand: its 20-bit number shifted up, or the %hi of a symbol."""
        op = self._next(Imm, Sym)
        if isinstance(op, Sym):
            if op.reloc != reloc:
                raise _Unsupported(f"relocation {op.reloc} here")
            return _hi(_address(op))
        if reloc != "hi":
            raise _Unsupported("auipc of a number depends on the pc, which is not modelled")
        return _sext(_bv(_integer(op) << 12, 32))

    def integer(self) -> int:
        return _integer(self._next(Imm))

    def address(self) -> z3.BitVecRef:
        """`off(base)`, or a bare symbol (`lw a0, g`; `sd a1, g, a5` with a scratch register,
        which is left holding the auipc half of the address, as the assembler's expansion does)."""
        op = self._next(Mem, Sym)
        if isinstance(op, Sym):
            if op.reloc is not None:
                raise _Unsupported(f"relocation {op.reloc} as an address")
            if self.rest and isinstance(self.rest[0], Reg):
                _write_x(self.state, self.xd(), _hi(_address(op)))
            return _address(op)
        if op.mode != "offset" or isinstance(op.offset, Reg):
            raise _Unsupported("riscv64 addresses are off(base)")
        base = _read_x(self.state, _register(op.base, "x"))
        return base if op.offset is None else base + _offset(op.offset)

    def symbol(self) -> z3.BitVecRef:
        op = self._next(Sym)
        if op.reloc is not None:
            raise _Unsupported(f"relocation {op.reloc} here")
        return _address(op)

    def label(self) -> str:
        op = self._next(Sym)
        if op.reloc not in (None, "plt") or op.addend:
            raise _Unsupported("a jump target is a label or function, without addend")
        return _PLT.sub("", op.name)   # `f@plt` is f: the PLT stub only forwards

    def rm(self) -> z3.FPRMRef:
        """An optional trailing rounding mode."""
        if self.rest and isinstance(self.rest[0], Keyword):
            name = self.rest.pop(0).name
            if name not in _ROUNDING:
                raise _Unsupported(f"rounding mode {name}")
            return _ROUNDING[name]()
        return z3.RNE()

    def skip_keywords(self) -> None:
        while self.rest and isinstance(self.rest[0], Keyword):
            self.rest.pop(0)


def _register(reg: Reg, file: str) -> str:
    try:
        name = canonical(reg.name)
    except ValueError as e:
        raise _Unsupported(str(e)) from None
    if name[0] != file or reg.arrangement is not None or reg.lane is not None:
        raise _Unsupported(f"{reg.name} is not an {file} register")
    return name


def _integer(op: Imm) -> int:
    if not isinstance(op.value, int):
        raise _Unsupported("a floating-point immediate")
    return op.value


def _address(sym: Sym) -> z3.BitVecRef:
    return symbol(sym.name) + sym.addend


def _offset(op: Imm | Sym | Hole) -> z3.BitVecRef:
    if isinstance(op, Hole):     # the sketch's unknown immediate, any value the encoding takes
        return z3.SignExt(64 - op.bits, z3.BitVec(op.name, op.bits))
    if isinstance(op, Imm):
        return _bv(_integer(op))
    if op.reloc not in ("lo", "pcrel_lo"):
        raise _Unsupported(f"%{op.reloc}({op.name}) as an immediate" if op.reloc else f"bare symbol {op.name}")
    return _lo12(_address(op))


def _read_x(state: State, name: str) -> z3.BitVecRef:
    return _bv(0) if name == "x0" else state.get(name)


def _write_x(state: State, name: str, value: z3.BitVecRef) -> None:
    if name != "x0":
        state.set(name, value)


# ---- integer rules --------------------------------------------------------------------------

Rule = Callable[[State, _Operands], "Exit | None"]
RULES: dict[str, Rule] = {}


def _mulh(signed_a: bool, signed_b: bool):
    def high(a, b):
        wide = [z3.SignExt(64, v) if s else z3.ZeroExt(64, v) for v, s in ((a, signed_a), (b, signed_b))]
        return z3.Extract(127, 64, wide[0] * wide[1])
    return high


def _shift(op):
    # The shift amount is the low log2(width) bits of the register or immediate.
    return lambda a, b: op(a, b & (a.size() - 1))


# Division by zero and signed overflow give the spec's results without trapping: x/0 = -1 (all
# ones, also unsigned), x%0 = x; z3's bvsdiv and bvsrem already wrap INT_MIN/-1 to INT_MIN, 0.
_ALU = {
    "add": operator.add, "sub": operator.sub, "and": operator.and_, "or": operator.or_,
    "xor": operator.xor, "sll": _shift(operator.lshift), "srl": _shift(z3.LShR),
    "sra": _shift(arithmetic_shift), "mul": operator.mul,
    "mulh": _mulh(True, True), "mulhsu": _mulh(True, False), "mulhu": _mulh(False, False),
    "div": lambda a, b: z3.If(b == 0, -1, a / b),
    "divu": lambda a, b: z3.If(b == 0, -1, z3.UDiv(a, b)),
    "rem": lambda a, b: z3.If(b == 0, a, z3.SRem(a, b)),
    "remu": lambda a, b: z3.If(b == 0, a, z3.URem(a, b)),
}
_IMMEDIATE = {"addi": "add", "andi": "and", "ori": "or", "xori": "xor",
              "slli": "sll", "srli": "srl", "srai": "sra"}
_SHIFT_IMMEDIATES = ("slli", "srli", "srai")
# The *w forms compute on the low 32 bits and sign-extend the 32-bit result, unsigned ones too.
_WORD = ("add", "sub", "sll", "srl", "sra", "mul", "div", "divu", "rem", "remu",
         "addi", "slli", "srli", "srai")


def _binary(fn, immediate: bool, word: bool, shift: bool = False) -> Rule:
    def rule(s, o):
        rd, a = o.xd(), o.x()
        hole = immediate and bool(o.rest) and isinstance(o.rest[0], Hole)
        b = o.imm() if immediate else o.x()
        if hole and shift:      # the encoding takes shift amounts below the register's width
            s.requires.append(z3.ULT(b, 32 if word else 64))
        _write_x(s, rd, _sext(fn(_low(a, 32), _low(b, 32))) if word else fn(a, b))
    return rule


for _name, _fn in _ALU.items():
    RULES[_name] = _binary(_fn, False, False)
for _name, _base in _IMMEDIATE.items():
    RULES[_name] = _binary(_ALU[_base], True, False, _name in _SHIFT_IMMEDIATES)
for _name in _WORD:
    RULES[_name + "w"] = _binary(_ALU[_IMMEDIATE.get(_name, _name)], _name in _IMMEDIATE, True,
                                 _name in _SHIFT_IMMEDIATES)

_COMPARE = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "ge": operator.ge,
            "ltu": z3.ULT, "geu": z3.UGE}


def _comparison(test: str, form: str):
    """A compare of the operands as written: "ab" two registers, "ba" the same swapped (sgt,
    bgt), "a0" and "0a" one register against zero on either side, "ai" an immediate second."""
    def read(o):
        first = o.x()
        second = {"ab": o.x, "ba": o.x, "ai": o.imm}.get(form, lambda: _bv(0))()
        return _COMPARE[test](*((second, first) if form in ("ba", "0a") else (first, second)))
    return read


_SETS = {"slt": ("lt", "ab"), "sltu": ("ltu", "ab"), "slti": ("lt", "ai"), "sltiu": ("ltu", "ai"),
         "sgt": ("lt", "ba"), "sgtu": ("ltu", "ba"), "sltz": ("lt", "a0"), "sgtz": ("lt", "0a"),
         "seqz": ("eq", "a0"), "snez": ("ne", "a0")}
_BRANCHES = {"beq": ("eq", "ab"), "bne": ("ne", "ab"), "blt": ("lt", "ab"), "bge": ("ge", "ab"),
             "bltu": ("ltu", "ab"), "bgeu": ("geu", "ab"), "bgt": ("lt", "ba"), "ble": ("ge", "ba"),
             "bgtu": ("ltu", "ba"), "bleu": ("geu", "ba"), "beqz": ("eq", "a0"), "bnez": ("ne", "a0"),
             "blez": ("ge", "0a"), "bgez": ("ge", "a0"), "bltz": ("lt", "a0"), "bgtz": ("lt", "0a")}


def _set(read) -> Rule:
    return lambda s, o: _write_x(s, o.xd(), _bool(read(o)))


def _branch(read) -> Rule:
    def rule(s, o):
        condition = read(o)
        return Exit("branch", o.label(), z3.simplify(condition))
    return rule


def _unary(fn) -> Rule:
    return lambda s, o: _write_x(s, o.xd(), fn(o.x()))


RULES.update({name: _set(_comparison(*how)) for name, how in _SETS.items()})
RULES.update({name: _branch(_comparison(*how)) for name, how in _BRANCHES.items()})
RULES.update({name: _unary(fn) for name, fn in {
    "mv": lambda a: a, "not": operator.invert, "neg": operator.neg,
    "negw": lambda a: _sext(-_low(a, 32)), "sext.w": lambda a: _sext(_low(a, 32)),
    "zext.b": lambda a: a & 0xFF}.items()})
RULES["li"] = lambda s, o: _write_x(s, o.xd(), _bv(o.integer()))
RULES["lui"] = lambda s, o: _write_x(s, o.xd(), o.upper("hi"))
RULES["auipc"] = lambda s, o: _write_x(s, o.xd(), o.upper("pcrel_hi"))
RULES["la"] = RULES["lla"] = lambda s, o: _write_x(s, o.xd(), o.symbol())
for _name in ("nop", "fence", "fence.i", "fence.tso"):   # one hart: ordering is invisible
    RULES[_name] = lambda s, o: o.skip_keywords()

# ---- memory and atomics ---------------------------------------------------------------------


def _load(nbytes: int, extend) -> Rule:
    def rule(s, o):
        rd = o.xd()
        _write_x(s, rd, extend(64 - 8 * nbytes, s.load(o.address(), nbytes)))
    return rule


def _store(nbytes: int) -> Rule:
    def rule(s, o):
        value = o.x()
        s.store(o.address(), _low(value, 8 * nbytes))
    return rule


for _name, (_n, _signed) in {"lb": (1, True), "lh": (2, True), "lw": (4, True), "ld": (8, True),
                             "lbu": (1, False), "lhu": (2, False), "lwu": (4, False)}.items():
    RULES[_name] = _load(_n, z3.SignExt if _signed else z3.ZeroExt)
for _name, _n in {"sb": 1, "sh": 2, "sw": 4, "sd": 8}.items():
    RULES[_name] = _store(_n)

# One hart: an amo reads, combines and writes back at once; an sc always succeeds (hardware may
# fail one spuriously, after which gcc's loop retries to the same effect).
_AMO = {"swap": lambda old, v: v, "add": operator.add, "xor": operator.xor, "and": operator.and_,
        "or": operator.or_, "min": lambda a, b: z3.If(a < b, a, b), "max": lambda a, b: z3.If(a > b, a, b),
        "minu": lambda a, b: z3.If(z3.ULT(a, b), a, b), "maxu": lambda a, b: z3.If(z3.UGT(a, b), a, b)}
_ORDERING = re.compile(r"\.(aq|rl|aqrl)$")


def _amo(fn, nbytes: int, succeeded: bool = False) -> Rule:
    """amoOP rd, rs2, (rs1); with `succeeded`, sc rd, rs2, (rs1), whose rd says 0: it stored."""
    def rule(s, o):
        rd, value, address = o.xd(), o.x(), o.address()
        old = s.load(address, nbytes)
        s.store(address, fn(old, _low(value, 8 * nbytes)))
        _write_x(s, rd, _bv(0) if succeeded else _sext(old))
    return rule


for _suffix, _n in (("w", 4), ("d", 8)):
    RULES.update({f"amo{name}.{_suffix}": _amo(fn, _n) for name, fn in _AMO.items()})
    RULES[f"lr.{_suffix}"] = _load(_n, z3.SignExt)
    RULES[f"sc.{_suffix}"] = _amo(lambda old, v: v, _n, succeeded=True)

# ---- control flow ---------------------------------------------------------------------------


def _jal(s, o):
    link = o.xd() if len(o.rest) == 2 else "x1"
    target = o.label()
    if link not in ("x0", "x1"):
        raise _Unsupported("jal links only ra (a call) or zero (a jump)")
    return Exit("call" if link == "x1" else "jump", target)


def _jalr(s, o, link: str | None = None):
    """jalr rs | jalr rs, off | jalr off(rs) | jalr rd, rs, off | jalr rd, off(rs); jr is jalr
    with rd = zero. Linking ra makes a call; linking zero a return if it goes to ra, else an
    indirect jump (a jump table's, or an indirect tail call's)."""
    if link is None:
        link = o.xd() if len(o.rest) > 1 and isinstance(o.rest[1], (Reg, Mem)) else "x1"
    op = o.rest[0] if o.rest else None
    base, offset = (op.base, op.offset) if isinstance(op, Mem) else (op, o.rest[1] if len(o.rest) > 1 else None)
    to_ra = isinstance(base, Reg) and base.name in ("ra", "x1") and offset in (None, Imm(0))
    target = o.address() if isinstance(op, Mem) else o.x() + (o.imm() if o.rest else 0)
    target = z3.simplify(target & ~_bv(1))   # jalr clears bit 0 of the target
    if link == "x1":
        return Exit("call", register_target=target)
    if link != "x0":
        raise _Unsupported("jalr links only ra (a call) or zero (a jump)")
    return Exit("return") if to_ra else Exit("indirect", register_target=target)


RULES.update({
    "j": lambda s, o: Exit("jump", o.label()),
    "jal": _jal,
    "call": lambda s, o: Exit("call", o.label()),
    "tail": lambda s, o: Exit("jump", o.label()),
    "ret": lambda s, o: Exit("return"),
    "jalr": _jalr,
    "jr": lambda s, o: _jalr(s, o, "x0"),
})

# ---- F and D --------------------------------------------------------------------------------

# Per format: width, z3 sort, canonical NaN (RISC-V returns it for every NaN result).
_FORMATS = {"s": (32, z3.Float32(), 0x7FC00000), "d": (64, z3.Float64(), 0x7FF8000000000000)}
_INTS = {"w": (32, True), "wu": (32, False), "l": (64, True), "lu": (64, False)}


def _unbox(raw: z3.BitVecRef, p: str) -> z3.BitVecRef:
    """A register as format p; a single that is not NaN-boxed (upper half all ones) reads as
    the canonical NaN, as every F instruction but the moves, loads and stores does."""
    if p == "d":
        return raw
    return z3.If(z3.Extract(63, 32, raw) == 0xFFFFFFFF, _low(raw, 32), _bv(_FORMATS["s"][2], 32))


def _float(bits: z3.BitVecRef, p: str) -> z3.FPRef:
    return z3.fpBVToFP(bits, _FORMATS[p][1])


def _bits(value: z3.FPRef, p: str) -> z3.BitVecRef:
    n, _, nan = _FORMATS[p]
    return z3.If(z3.fpIsNaN(value), _bv(nan, n), z3.fpToIEEEBV(value))


def _write_f(s: State, name: str, bits: z3.BitVecRef) -> None:
    s.set(name, bits if bits.size() == 64 else z3.Concat(_bv(-1, 32), bits))   # NaN-box singles


def _fbits(o: _Operands, p: str) -> z3.BitVecRef:
    return _unbox(o.f(), p)


def _fvalue(o: _Operands, p: str) -> z3.FPRef:
    return _float(_fbits(o, p), p)


def _arith(arity: int, fn, p: str) -> Rule:
    def rule(s, o):
        fd, args = o.fd(), [_fvalue(o, p) for _ in range(arity)]
        _write_f(s, fd, _bits(fn(o.rm(), *args), p))
    return rule


def _sign_inject(fn, p: str, pseudo: bool) -> Rule:
    """fsgnj[n|x] fd, a, b: a's magnitude, a sign from (a's, b's); the pseudos have b = a."""
    def rule(s, o):
        fd, a = o.fd(), _fbits(o, p)
        b = a if pseudo else _fbits(o, p)
        n = a.size()
        _write_f(s, fd, z3.Concat(fn(z3.Extract(n - 1, n - 1, a), z3.Extract(n - 1, n - 1, b)),
                                  z3.Extract(n - 2, 0, a)))
    return rule


def _minmax(is_max: bool, p: str) -> Rule:
    """The non-NaN operand if only one is NaN, the canonical NaN if both; -0 < +0."""
    def rule(s, o):
        fd, a, b = o.fd(), _fbits(o, p), _fbits(o, p)
        x, y = _float(a, p), _float(b, p)
        negative = z3.Extract(a.size() - 1, a.size() - 1, a) == 1
        a_wins = z3.Or(z3.fpGT(x, y) if is_max else z3.fpLT(x, y),
                       z3.And(z3.fpEQ(x, y), z3.Not(negative) if is_max else negative))
        pick = z3.If(z3.fpIsNaN(x), z3.If(z3.fpIsNaN(y), _bv(_FORMATS[p][2], a.size()), b),
                     z3.If(z3.Or(z3.fpIsNaN(y), a_wins), a, b))
        _write_f(s, fd, pick)
    return rule


def _compare(test, p: str) -> Rule:
    return lambda s, o: _write_x(s, o.xd(), _bool(test(_fvalue(o, p), _fvalue(o, p))))


_CLASSES = [(z3.fpIsInf, True), (z3.fpIsNormal, True), (z3.fpIsSubnormal, True), (z3.fpIsZero, True),
            (z3.fpIsZero, False), (z3.fpIsSubnormal, False), (z3.fpIsNormal, False), (z3.fpIsInf, False)]


def _fclass(p: str) -> Rule:
    """One bit set: -inf -normal -subnormal -0 +0 +subnormal +normal +inf sNaN qNaN."""
    def rule(s, o):
        rd, bits = o.xd(), _fbits(o, p)
        x = _float(bits, p)
        tests = [z3.And(test(x), z3.fpIsNegative(x) if negative else z3.fpIsPositive(x))
                 for test, negative in _CLASSES]
        quiet = z3.Extract(_FORMATS[p][1].sbits() - 2, _FORMATS[p][1].sbits() - 2, bits) == 1
        tests += [z3.And(z3.fpIsNaN(x), z3.Not(quiet)), z3.And(z3.fpIsNaN(x), quiet)]
        _write_x(s, rd, sum((_bool(t) << k for k, t in enumerate(tests)), _bv(0)))
    return rule


def _to_int(p: str, t: str) -> Rule:
    """fcvt.{w,wu,l,lu}.p: round, then saturate; NaN gives the largest value. W results
    (wu too) are sign-extended from 32 bits."""
    bits, signed = _INTS[t]
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)

    def rule(s, o):
        rd, x = o.xd(), _fvalue(o, p)
        r = z3.fpRoundToIntegral(o.rm(), x)
        sort = _FORMATS[p][1]
        # high + 1 and low are 0 or powers of two: exact in either format.
        above = z3.Or(z3.fpIsNaN(x), z3.fpGEQ(r, z3.FPVal(float(high + 1), sort)))
        below = z3.fpLT(r, z3.FPVal(float(low), sort))
        exact = (z3.fpToSBV if signed else z3.fpToUBV)(z3.RTZ(), r, z3.BitVecSort(bits))
        _write_x(s, rd, _sext(z3.If(above, _bv(high, bits), z3.If(below, _bv(low, bits), exact))))
    return rule


def _from_int(p: str, t: str) -> Rule:
    bits, signed = _INTS[t]

    def rule(s, o):
        fd, v = o.fd(), _low(o.x(), bits)
        convert = z3.fpSignedToFP if signed else z3.fpUnsignedToFP
        _write_f(s, fd, _bits(convert(o.rm(), v, _FORMATS[p][1]), p))
    return rule


def _convert(p: str, q: str) -> Rule:
    """fcvt.p.q between single and double."""
    def rule(s, o):
        fd, x = o.fd(), _fvalue(o, q)
        _write_f(s, fd, _bits(z3.fpFPToFP(o.rm(), x, _FORMATS[p][1]), p))
    return rule


def _fload(nbytes: int) -> Rule:
    def rule(s, o):
        fd = o.fd()
        _write_f(s, fd, s.load(o.address(), nbytes))
    return rule


def _fstore(nbytes: int) -> Rule:
    def rule(s, o):
        raw = o.f()   # the raw low bits: stores do not look at NaN-boxing
        s.store(o.address(), _low(raw, 8 * nbytes))
    return rule


_ARITH = {"fadd": (2, z3.fpAdd), "fsub": (2, z3.fpSub), "fmul": (2, z3.fpMul), "fdiv": (2, z3.fpDiv),
          "fsqrt": (1, z3.fpSqrt),
          "fmadd": (3, lambda rm, a, b, c: z3.fpFMA(rm, a, b, c)),      # a*b + c, rounded once
          "fmsub": (3, lambda rm, a, b, c: z3.fpFMA(rm, a, b, -c)),     # a*b - c
          "fnmsub": (3, lambda rm, a, b, c: z3.fpFMA(rm, -a, b, c)),    # -(a*b) + c
          "fnmadd": (3, lambda rm, a, b, c: z3.fpFMA(rm, -a, b, -c))}   # -(a*b) - c
_SIGNS = {"fsgnj": (lambda a, b: b, "fmv"), "fsgnjn": (lambda a, b: ~b, "fneg"),
          "fsgnjx": (lambda a, b: a ^ b, "fabs")}
_FCOMPARE = {"feq": z3.fpEQ, "flt": z3.fpLT, "fle": z3.fpLEQ, "fgt": z3.fpGT, "fge": z3.fpGEQ}

for _p, (_n, _, _) in _FORMATS.items():
    RULES.update({f"{name}.{_p}": _arith(arity, fn, _p) for name, (arity, fn) in _ARITH.items()})
    for _name, (_fn, _pseudo) in _SIGNS.items():
        RULES[f"{_name}.{_p}"] = _sign_inject(_fn, _p, False)
        RULES[f"{_pseudo}.{_p}"] = _sign_inject(_fn, _p, True)
    RULES.update({f"{name}.{_p}": _compare(test, _p) for name, test in _FCOMPARE.items()})
    RULES[f"fmin.{_p}"], RULES[f"fmax.{_p}"] = _minmax(False, _p), _minmax(True, _p)
    RULES[f"fclass.{_p}"] = _fclass(_p)
    for _t in _INTS:
        RULES[f"fcvt.{_t}.{_p}"], RULES[f"fcvt.{_p}.{_t}"] = _to_int(_p, _t), _from_int(_p, _t)
    RULES[f"fl{'wd'[_n // 64]}"], RULES[f"fs{'wd'[_n // 64]}"] = _fload(_n // 8), _fstore(_n // 8)
RULES["fcvt.s.d"], RULES["fcvt.d.s"] = _convert("s", "d"), _convert("d", "s")



def _move_to_x(width: int) -> Rule:
    """fmv.x.w, fmv.x.d: the raw bits (no NaN-boxing check), a single's sign-extended."""
    return lambda s, o: _write_x(s, o.xd(), _sext(_low(o.f(), width)))


def _move_from_x(width: int) -> Rule:
    def rule(s, o):
        fd = o.fd()
        _write_f(s, fd, _low(o.x(), width))
    return rule


# fmv.x.s and fmv.s.x are the older names of the .w forms, which binutils still accepts.
RULES.update({"fmv.x.w": _move_to_x(32), "fmv.x.s": _move_to_x(32), "fmv.x.d": _move_to_x(64),
              "fmv.w.x": _move_from_x(32), "fmv.s.x": _move_from_x(32), "fmv.d.x": _move_from_x(64)})

# ---- the ISA --------------------------------------------------------------------------------


def execute(state: State, instr: Instruction) -> Exit | None:
    """Run one instruction on `state` in place; an Exit when control may leave the block.
    An instruction the model does not cover raises UnsupportedInstruction and leaves the state."""
    rule = RULES.get(_ORDERING.sub("", instr.mnemonic))
    if rule is None:
        raise unsupported(instr, format_instruction(instr, "riscv64"), why="mnemonic not modelled")
    scratch = state.copy()
    operands = _Operands(scratch, instr)
    try:
        exit_ = rule(scratch, operands)
        if operands.rest:
            raise _Unsupported(f"{len(operands.rest)} operand(s) too many")
    except _Unsupported as e:
        raise unsupported(instr, format_instruction(instr, "riscv64"), why=str(e)) from None
    state.regs, state.mem, state.requires = scratch.regs, scratch.mem, scratch.requires
    return exit_


def resolve_pcrel(items: Iterable | Listing):
    """Rewrite every %pcrel_lo(L), where L labels `auipc rd, %pcrel_hi(S)`, as %pcrel_lo(S),
    so that each half names its symbol (GOT pairs become got_pcrel_lo, which `execute` rejects).
    Takes a Listing or a sequence of items; idempotent."""
    if isinstance(items, Listing):
        return dataclasses.replace(items, items=resolve_pcrel(items.items))
    items = tuple(items)
    targets, pending = {}, []
    for item in items:
        if not isinstance(item, Instruction):
            if isinstance(item, Label):
                pending.append(item.name)
            continue
        high = item.operands[-1] if item.mnemonic == "auipc" and item.operands else None
        if isinstance(high, Sym) and high.reloc in ("pcrel_hi", "got_pcrel_hi"):
            targets.update({name: dataclasses.replace(high, reloc=high.reloc[:-2] + "lo") for name in pending})
        pending = []

    def resolve(op):
        if isinstance(op, Sym) and op.reloc == "pcrel_lo" and op.name in targets:
            if op.addend:
                raise SynthError("%pcrel_lo takes a label without addend", found=f"{op.name}+{op.addend}")
            return targets[op.name]
        if isinstance(op, Mem) and op.offset is not None:
            return dataclasses.replace(op, offset=resolve(op.offset))
        return op

    return tuple(dataclasses.replace(i, operands=tuple(map(resolve, i.operands)))
                 if isinstance(i, Instruction) else i for i in items)


SEMANTICS = Semantics("riscv64", WIDTHS, execute, canonical)
