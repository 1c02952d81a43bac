"""AArch64 semantics over the shared machine model (one `execute` per instruction, in Z3).

The ARM ARM defines most mnemonics as aliases of a few base instructions (`cmp` is `subs` to the
zero register, `lsl #3` is `ubfm`, `cset` is `csinc`), so aliases are rewritten to their base
instruction first and only base instructions have semantics; the definitions then follow the
ARM ARM pseudocode (AddWithCarry, DecodeBitMasks, FPProcessNaNs, FPMulAdd) closely enough to be
checked line by line, and a differential test compares them with unicorn.

Registers are read and written through views: `w5` is the low half of x5 and a write zeroes the
top, `s3`/`d3`/`v3.2s` are the low bits of v3 and a write zeroes the rest, `v3.s[1]` is one lane
and a write keeps the others, `xzr`/`wzr` read zero and drop writes. SIMD and floating-point
arithmetic is lane-wise, with a scalar `d0` being one 64-bit lane, so scalar and vector forms
share one definition. Floating point follows Linux's FPCR (round to nearest even, no flush to
zero, NaNs propagated rather than defaulted), which is what unicorn and hardware do.
"""
from __future__ import annotations

import struct

import z3

from synth.dsl.asm.ast import Hole, Imm, Instruction, Keyword, Mem, Reg, RegList, Shift, Sym
from synth.transpile.machine import Exit, Semantics, State, arithmetic_shift, symbol, unsupported

WIDTHS: dict[str, int] = {**{f"x{i}": 64 for i in range(31)}, "sp": 64,
                          **{f"v{i}": 128 for i in range(32)}, **{f: 1 for f in "nzcv"}}


class _Bad(Exception):
    """An operand form the semantics does not model; execute turns it into UnsupportedInstruction."""


# ---------------------------------------------------------------------------------------------
# Registers

_SIMD_BITS = {"b": 8, "h": 16, "s": 32, "d": 64, "q": 128, "v": 128}
_NAMED = {"sp": ("sp", 64), "wsp": ("sp", 32), "xzr": ("zr", 64), "wzr": ("zr", 32),
          "fp": ("x29", 64), "lr": ("x30", 64), "ip0": ("x16", 64), "ip1": ("x17", 64)}
_ARRANGEMENTS = {"8b": (8, 8), "16b": (8, 16), "4h": (16, 4), "8h": (16, 8), "2s": (32, 2),
                 "4s": (32, 4), "1d": (64, 1), "2d": (64, 2), "1q": (128, 1)}
_LANE_BITS = {"b": 8, "h": 16, "s": 32, "d": 64}


def _view(name: str) -> tuple[str, int]:
    """(register-file name, bits) that an assembly register name reads and writes."""
    if name in _NAMED:
        return _NAMED[name]
    head, number = name[:1], name[1:]
    if number.isdigit() and str(int(number)) == number:
        n = int(number)
        if head in "xw" and n <= 30:
            return f"x{n}", 64 if head == "x" else 32
        if head in _SIMD_BITS and n <= 31:
            return f"v{n}", _SIMD_BITS[head]
    raise _Bad(f"unknown register {name}")


def canonical(name: str) -> str:
    """The register-file name behind an alias: w5 -> x5, d3 -> v3, fp -> x29, wzr -> zr."""
    try:
        return _view(name)[0]
    except _Bad:
        raise ValueError(f"{name!r} is not an AArch64 register") from None


def _shape(reg: Reg) -> tuple[int, int]:
    """(element bits, element count) of a SIMD operand; a scalar `d0` is one 64-bit element."""
    if reg.lane is not None:
        return _LANE_BITS[reg.arrangement], 1
    if reg.arrangement:
        return _ARRANGEMENTS[reg.arrangement]
    return _view(reg.name)[1], 1


def _bits(reg: Reg) -> int:
    esize, count = _shape(reg)
    return esize * count


def _is_simd(op) -> bool:
    return isinstance(op, Reg) and _view(op.name)[0].startswith("v")


def _read(state: State, reg: Reg) -> z3.BitVecRef:
    file, _ = _view(reg.name)
    bits = _bits(reg)
    if file == "zr":
        return z3.BitVecVal(0, bits)
    whole = state.get(file)
    low = bits * reg.lane if reg.lane is not None else 0
    if reg.lane is not None and low + bits > whole.size():
        raise _Bad(f"lane {reg.lane} out of range")
    return whole if bits == whole.size() else z3.Extract(low + bits - 1, low, whole)


def _write(state: State, reg: Reg, value: z3.BitVecRef) -> None:
    """Scalar and vector writes zero the rest of the register; a lane write keeps the others."""
    file, _ = _view(reg.name)
    bits = _bits(reg)
    if value.size() != bits:
        raise _Bad(f"{reg.name} takes {bits} bits, got {value.size()}")
    if file == "zr":
        return
    whole = state.get(file)
    if reg.lane is not None:
        low = bits * reg.lane
        parts = [z3.Extract(whole.size() - 1, low + bits, whole)] if low + bits < whole.size() else []
        parts.append(value)
        if low:
            parts.append(z3.Extract(low - 1, 0, whole))
        value = _cat(parts)
    state.set(file, _resize(value, whole.size()))


def _as(reg: Reg, bits: int) -> Reg:
    """The same general register at another width (`w1` <-> `x1`), as sxtb's source is."""
    file, _ = _view(reg.name)
    if file == "zr":
        return Reg("xzr" if bits == 64 else "wzr")
    if file == "sp":
        return Reg("sp" if bits == 64 else "wsp")
    return Reg(("x" if bits == 64 else "w") + file[1:])


def _zr(like: Reg) -> Reg:
    return _as(Reg("xzr"), _view(like.name)[1])


# ---------------------------------------------------------------------------------------------
# Bit-vector helpers

def _cat(parts: list) -> z3.BitVecRef:
    """Concatenate, most significant first (z3.Concat wants at least two)."""
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def _resize(value: z3.BitVecRef, bits: int, signed: bool = False) -> z3.BitVecRef:
    if value.size() > bits:
        return z3.Extract(bits - 1, 0, value)
    if value.size() < bits:
        return (z3.SignExt if signed else z3.ZeroExt)(bits - value.size(), value)
    return value


def _bit(cond) -> z3.BitVecRef:
    return z3.If(cond, z3.BitVecVal(1, 1), z3.BitVecVal(0, 1))


def _const(value: int, bits: int) -> z3.BitVecRef:
    return z3.BitVecVal(value % (1 << bits), bits)


def _lanes(value: z3.BitVecRef, esize: int) -> list:
    return [z3.Extract(esize * k + esize - 1, esize * k, value) for k in range(value.size() // esize)]


def _pack(lanes: list) -> z3.BitVecRef:
    return _cat(list(reversed(lanes)))


def _hole(op: Hole, width: int) -> z3.BitVecRef:
    """The sketch's unknown immediate (add/sub operand, memory offset), sign-extended: the
    assembler writes a negative add as a sub and a negative offset with ldur/stur."""
    return z3.SignExt(width - op.bits, z3.BitVec(op.name, op.bits))


def _imm(op) -> int:
    if not isinstance(op, Imm) or not isinstance(op.value, int):
        raise _Bad(f"expected an integer immediate, found {op}")
    return op.value


def _is_bitmask(value: int, width: int) -> bool:
    """Can a logical instruction (and, orr, eor, tst...) encode `value` as its immediate? A
    2-, 4-, ..., width-bit element repeated, the element a rotated run of ones, neither all
    zeros nor all ones."""
    if value in (0, (1 << width) - 1):
        return False
    size = 2
    while size < width and value != int(f"{value & ((1 << size) - 1):0{size}b}" * (width // size), 2):
        size *= 2
    element = value & ((1 << size) - 1)
    runs = {(1 << k) - 1 for k in range(1, size)}
    return any(((element >> r) | (element << (size - r))) & ((1 << size) - 1) in runs for r in range(size))


# The values a sketch hole (signed, asm.ast.Hole) may take as a logical immediate, per width.
_BITMASK_HOLES = {width: [v for v in range(-2048, 2048) if _is_bitmask(v % (1 << width), width)]
                  for width in (32, 64)}
_LOGICAL = {"and", "ands", "orr", "eor", "bic", "bics", "orn", "eon", "tst"}
_PAIRS = {"ldp", "stp", "ldnp", "stnp", "ldpsw"}
_SIZE_SUFFIX = {"b": 1, "h": 2, "sb": 1, "sh": 2, "sw": 4}


def _encodable(state: State, mnemonic: str, ops: tuple) -> None:
    """What the assembler takes where the sketch left a hole, as requirements on the hole: a
    logical immediate is a bitmask pattern; ldur/stur and pre- or post-indexed offsets fit 9
    signed bits; ldr/str offsets also any non-negative multiple of the access size; ldp/stp
    offsets are multiples of the element size in 7 signed bits. add/sub take every value a
    hole can hold (the assembler turns a negative one into the other instruction). A hole
    anywhere else is not taken."""
    for k, op in enumerate(ops):
        hole = op.offset if isinstance(op, Mem) and isinstance(op.offset, Hole) else op
        if not isinstance(hole, Hole):
            continue
        h = z3.BitVec(hole.name, hole.bits)
        if not isinstance(op, Mem):
            if mnemonic in _LOGICAL:
                width = _view(ops[0].name)[1]
                state.requires.append(z3.Or(*[h == v for v in _BITMASK_HOLES[width]]))
            elif mnemonic not in ("add", "adds", "sub", "subs", "cmp", "cmn"):
                raise _Bad(f"no immediate of {mnemonic} to leave open")
            continue
        stem = mnemonic.removeprefix("ld").removeprefix("st")
        nine_bits = z3.And(h >= -256, h <= 255)
        if mnemonic in _PAIRS:
            size = 4 if mnemonic == "ldpsw" else _bits(ops[0]) // 8
            state.requires.append(z3.And(z3.SRem(h, size) == 0, h >= -64 * size, h <= 63 * size))
        elif op.mode != "offset" or stem.startswith("ur"):
            state.requires.append(nine_bits)
        elif mnemonic[:2] in ("ld", "st") and stem[:1] == "r":
            size = _SIZE_SUFFIX.get(stem[1:]) or _bits(ops[0]) // 8
            state.requires.append(z3.Or(nine_bits, z3.And(h >= 0, z3.SRem(h, size) == 0)))
        else:
            raise _Bad(f"no offset of {mnemonic} to leave open")


def _clz(x: z3.BitVecRef) -> z3.BitVecRef:
    """Count leading zeros by binary search: log2(width) steps instead of a width-long chain."""
    width = x.size()
    count = z3.BitVecVal(0, width)
    step = 1 << (width - 1).bit_length() - 1 if width > 1 else 0
    while step:
        top_clear = z3.Extract(width - 1, width - step, x) == 0
        count = count + z3.If(top_clear, z3.BitVecVal(step, width), z3.BitVecVal(0, width))
        x = z3.If(top_clear, x << step, x)
        step //= 2
    return count


def _leading_zeros(x: z3.BitVecRef) -> z3.BitVecRef:
    return z3.If(x == 0, z3.BitVecVal(x.size(), x.size()), _clz(x))


def _reverse(x: z3.BitVecRef, unit: int, group: int) -> z3.BitVecRef:
    """Reverse the `unit`-bit pieces inside each `group`-bit container (rbit, rev, rev16, rev32)."""
    return _pack([piece for chunk in _lanes(x, group) for piece in reversed(_lanes(chunk, unit))])


def _popcount(x: z3.BitVecRef) -> z3.BitVecRef:
    return sum((_resize(b, x.size()) for b in _lanes(x, 1)), z3.BitVecVal(0, x.size()))


# ---------------------------------------------------------------------------------------------
# Flags and conditions

def _add_with_carry(x, y, carry) -> tuple:
    """The ARM ARM's AddWithCarry: the sum and its N, Z, C, V bits."""
    width = x.size()
    result = x + y + _resize(carry, width)
    wide = z3.ZeroExt(1, x) + z3.ZeroExt(1, y) + _resize(carry, width + 1)
    overflow = z3.Extract(width - 1, width - 1, (x ^ result) & (y ^ result))
    return result, (z3.Extract(width - 1, width - 1, result), _bit(result == 0),
                    z3.Extract(width, width, wide), overflow)


def _set_flags(state: State, nzcv) -> None:
    for name, value in zip("nzcv", nzcv):
        state.set(name, value)


def _logic_flags(result) -> tuple:
    width = result.size()
    zero = z3.BitVecVal(0, 1)
    return z3.Extract(width - 1, width - 1, result), _bit(result == 0), zero, zero


def _nzcv_imm(value: int) -> tuple:
    return tuple(z3.BitVecVal(value >> k & 1, 1) for k in (3, 2, 1, 0))


_INVERSE = {"eq": "ne", "cs": "cc", "hs": "lo", "mi": "pl", "vs": "vc", "hi": "ls", "ge": "lt",
            "gt": "le", "al": "nv"}
_INVERSE.update({v: k for k, v in _INVERSE.items()})


def condition(state: State, cond: str) -> z3.BoolRef:
    """ConditionHolds from the ARM ARM, shared by b.cond, csel, ccmp and fcsel."""
    n, z, c, v = (state.get(f) == 1 for f in "nzcv")
    base = {"eq": z, "cs": c, "hs": c, "mi": n, "vs": v, "hi": z3.And(c, z3.Not(z)), "ge": n == v,
            "gt": z3.And(z3.Not(z), n == v), "al": z3.BoolVal(True)}
    if cond in base:
        return base[cond]
    if cond == "nv":                     # encodes as "always" in A64
        return z3.BoolVal(True)
    if cond in _INVERSE:
        return z3.Not(base[_INVERSE[cond]])
    raise _Bad(f"unknown condition {cond}")


def _cond(op) -> str:
    if not isinstance(op, Keyword):
        raise _Bad(f"expected a condition, found {op}")
    return op.name


# ---------------------------------------------------------------------------------------------
# Operands: shifted and extended registers, immediates, addresses

_SHIFTS = {"lsl": lambda v, a: v << a, "lsr": z3.LShR, "asr": arithmetic_shift,
           "ror": z3.RotateRight}
_EXTENDS = {f"{s}xt{u}": (s == "s", bits) for s in "us" for u, bits in
            (("b", 8), ("h", 16), ("w", 32), ("x", 64))}


def _extend(value, op: str, amount: int, width: int):
    signed, bits = _EXTENDS[op]
    return _resize(_resize(value, bits), width, signed) << amount


def _operand2(state: State, ops: tuple, width: int):
    """The flexible second operand: #imm{, lsl #12}, Rm{, shift #n}, Rm, extend {#n}, :lo12:sym."""
    first, modifier = ops[0], ops[1] if len(ops) > 1 else None
    if len(ops) > 2 or (modifier is not None and not isinstance(modifier, Shift)):
        raise _Bad("unexpected operands")
    amount = modifier.amount or 0 if modifier else 0
    if isinstance(first, Imm):
        if modifier and modifier.op != "lsl":
            raise _Bad("immediate shifted by other than lsl")
        return _const(_imm(first) << amount, width)
    if isinstance(first, Sym):
        return _resize(_lo12(first), width)
    if isinstance(first, Hole) and modifier is None:
        return _hole(first, width)
    if not isinstance(first, Reg):
        raise _Bad(f"unexpected operand {first}")
    value = _read(state, first)
    if modifier is None:
        if value.size() != width:
            raise _Bad("register of the wrong width")
        return value
    if modifier.op in _SHIFTS:
        return _SHIFTS[modifier.op](_resize(value, width), amount)
    if modifier.op in _EXTENDS:
        return _extend(value, modifier.op, amount, width)
    raise _Bad(f"unknown modifier {modifier.op}")


def _lo12(sym: Sym) -> z3.BitVecRef:
    if sym.reloc != "lo12":
        raise _Bad(f"relocation {sym.reloc} here")
    return (symbol(sym.name) + sym.addend) & 0xFFF


def _address(state: State, mem: Mem) -> tuple:
    """The address accessed and the base register's value afterwards (None if unchanged).
    With sp as the base, sp must be a multiple of 16 (Linux sets SCTLR_EL1.SA0; qemu-user does
    not check it, real hardware raises SIGBUS)."""
    if not isinstance(mem, Mem):
        raise _Bad(f"expected a memory operand, found {mem}")
    base = _read(state, mem.base)
    if mem.base.name == "sp":
        state.requires.append(z3.Extract(3, 0, base) == 0)
    off = mem.offset
    if off is None:
        delta = z3.BitVecVal(0, 64)
    elif isinstance(off, Imm):
        delta = _const(_imm(off), 64)
    elif isinstance(off, Hole):
        delta = _hole(off, 64)
    elif isinstance(off, Sym):
        delta = _lo12(off)
    elif isinstance(off, Reg):
        value = _read(state, off)
        ext = mem.extend or Shift("lsl", 0)
        if ext.op == "lsl":
            ext = Shift("uxtx", ext.amount)
        if ext.op not in _EXTENDS or (value.size() == 32) != (ext.op in ("uxtw", "sxtw")):
            raise _Bad(f"index extend {ext.op}")
        delta = _extend(value, ext.op, ext.amount or 0, 64)
    else:
        raise _Bad(f"offset {off}")
    if mem.mode == "offset":
        return base + delta, None
    if mem.mode == "pre":
        return base + delta, base + delta
    if mem.mode == "post":
        return base, base + delta
    raise _Bad(f"addressing mode {mem.mode}")


def _target(op) -> str:
    if isinstance(op, Sym) and op.reloc is None and op.addend == 0:
        return op.name
    raise _Bad(f"branch target {op}")


# ---------------------------------------------------------------------------------------------
# Aliases, rewritten to their base instruction (ARM ARM C6 "alias of")

def _bitfield_alias(base: str, immr, imms):
    """sbfx/ubfiz/bfi/... as (s|u)bfm with immr, imms computed from (lsb, width)."""
    def rewrite(o):
        d, rest = o[0], o[1:]
        width = _view(d.name)[1]
        n, lsb, w = (_zr(d), *rest) if base == "bfm" and len(rest) == 2 else rest
        return base, (d, _as(n, width), Imm(immr(_imm(lsb), _imm(w), width)),
                      Imm(imms(_imm(lsb), _imm(w), width)))
    return rewrite


def _extend_alias(base: str, bits: int):
    return lambda o: (base, (o[0], _as(o[1], _view(o[0].name)[1]), Imm(0), Imm(bits - 1)))


def _shift_alias(variable: str, immediate):
    """lsl/lsr/asr/ror: by a register they are the *v forms; by an immediate, bitfield or extr."""
    def rewrite(o):
        if isinstance(o[2], Reg):
            return variable, o
        width, sh = _view(o[0].name)[1], _imm(o[2])
        return immediate(o[0], o[1], sh, width)
    return rewrite


def _cond_alias(base: str, same_source: bool):
    """cset/csetm (no source) and cinc/cinv/cneg (one source) as csinc/csinv/csneg, inverted."""
    def rewrite(o):
        src = o[1] if same_source else _zr(o[0])
        return base, (o[0], src, src, Keyword(_INVERSE[_cond(o[-1])]))
    return rewrite


def _renamed(base: str):
    return lambda o: (base, o)


_ALIASES = {
    "cmp": lambda o: ("subs", (_zr(o[0]),) + o),
    "cmn": lambda o: ("adds", (_zr(o[0]),) + o),
    "tst": lambda o: ("ands", (_zr(o[0]),) + o),
    "neg": lambda o: ("sub", (o[0], _zr(o[0])) + o[1:]),
    "negs": lambda o: ("subs", (o[0], _zr(o[0])) + o[1:]),
    "ngc": lambda o: ("sbc", (o[0], _zr(o[0])) + o[1:]),
    "ngcs": lambda o: ("sbcs", (o[0], _zr(o[0])) + o[1:]),
    "mvn": lambda o: ("orn", (o[0], _zr(o[0])) + o[1:]),
    "mul": lambda o: ("madd", o + (_zr(o[0]),)),
    "mneg": lambda o: ("msub", o + (_zr(o[0]),)),
    "smull": lambda o: ("smaddl", o + (Reg("xzr"),)),
    "umull": lambda o: ("umaddl", o + (Reg("xzr"),)),
    "smnegl": lambda o: ("smsubl", o + (Reg("xzr"),)),
    "umnegl": lambda o: ("umsubl", o + (Reg("xzr"),)),
    "cset": _cond_alias("csinc", False), "csetm": _cond_alias("csinv", False),
    "cinc": _cond_alias("csinc", True), "cinv": _cond_alias("csinv", True),
    "cneg": _cond_alias("csneg", True),
    "lsl": _shift_alias("lslv", lambda d, n, s, w: ("ubfm", (d, n, Imm(-s % w), Imm(w - 1 - s)))),
    "lsr": _shift_alias("lsrv", lambda d, n, s, w: ("ubfm", (d, n, Imm(s), Imm(w - 1)))),
    "asr": _shift_alias("asrv", lambda d, n, s, w: ("sbfm", (d, n, Imm(s), Imm(w - 1)))),
    "ror": _shift_alias("rorv", lambda d, n, s, w: ("extr", (d, n, n, Imm(s)))),
    "sbfx": _bitfield_alias("sbfm", lambda lsb, w, W: lsb, lambda lsb, w, W: lsb + w - 1),
    "ubfx": _bitfield_alias("ubfm", lambda lsb, w, W: lsb, lambda lsb, w, W: lsb + w - 1),
    "bfxil": _bitfield_alias("bfm", lambda lsb, w, W: lsb, lambda lsb, w, W: lsb + w - 1),
    "sbfiz": _bitfield_alias("sbfm", lambda lsb, w, W: -lsb % W, lambda lsb, w, W: w - 1),
    "ubfiz": _bitfield_alias("ubfm", lambda lsb, w, W: -lsb % W, lambda lsb, w, W: w - 1),
    "bfi": _bitfield_alias("bfm", lambda lsb, w, W: -lsb % W, lambda lsb, w, W: w - 1),
    "bfc": _bitfield_alias("bfm", lambda lsb, w, W: -lsb % W, lambda lsb, w, W: w - 1),
    "sxtb": _extend_alias("sbfm", 8), "sxth": _extend_alias("sbfm", 16),
    "sxtw": _extend_alias("sbfm", 32), "uxtb": _extend_alias("ubfm", 8),
    "uxth": _extend_alias("ubfm", 16),
    "uxtw": _extend_alias("ubfm", 32),  # not in the ARM ARM, but GNU as takes it and gcc writes it
    "rev64": _renamed("rev"),
    # unscaled-offset forms: the same access, only the encoding of the offset differs
    **{f"ldur{s}": _renamed(f"ldr{s}") for s in ("", "b", "h", "sb", "sh", "sw")},
    **{f"stur{s}": _renamed(f"str{s}") for s in ("", "b", "h")},
}


# ---------------------------------------------------------------------------------------------
# Integer instructions

def _arith(subtract: bool, carry: bool, flags: bool):
    def run(state, d, n, *rest):
        width = _view(d.name)[1]
        y = _operand2(state, rest, width)
        carry_in = state.get("c") if carry else z3.BitVecVal(1 if subtract else 0, 1)
        result, nzcv = _add_with_carry(_read(state, n), ~y if subtract else y, carry_in)
        if flags:
            _set_flags(state, nzcv)
        _write(state, d, result)
    return run


_LOGIC = {"and": lambda a, b: a & b, "orr": lambda a, b: a | b, "eor": lambda a, b: a ^ b,
          "bic": lambda a, b: a & ~b, "orn": lambda a, b: a | ~b, "eon": lambda a, b: a ^ ~b}


def _logic(op, flags: bool):
    def run(state, d, n, *rest):
        width = _view(d.name)[1]
        result = op(_read(state, n), _operand2(state, rest, width))
        if flags:
            _set_flags(state, _logic_flags(result))
        _write(state, d, result)
    return run


def _move_wide(kind: str):
    def run(state, d, imm, shift=None):
        width = _view(d.name)[1]
        if shift is not None and not (isinstance(shift, Shift) and shift.op == "lsl"):
            raise _Bad("movz/movn/movk shift")
        amount = shift.amount or 0 if shift else 0
        field = _const(_imm(imm) << amount, width)
        if kind == "movk":
            keep = _const(~(0xFFFF << amount), width)
            field = (_read(state, d) & keep) | field
        _write(state, d, ~field if kind == "movn" else field)
    return run


def _mov(state, d, src, *rest):
    """mov (and fmov, umov, ins, dup to a scalar): copy a view, or write an immediate."""
    if rest:
        raise _Bad("unexpected operands")
    bits = _bits(d)
    if isinstance(src, Imm):
        if not _is_simd(d):
            return _write(state, d, _const(_imm(src), bits))
        esize, count = _shape(d)         # fmov: the float's encoding in every element
        _write(state, d, _pack([_const(_float_bits(float(src.value), esize), esize)] * count))
    elif isinstance(src, Reg):
        value = _read(state, src)
        if value.size() != bits:
            raise _Bad("mov between views of different widths")
        _write(state, d, value)
    else:
        raise _Bad(f"mov from {src}")


def _copy_lane(signed: bool):
    """umov/smov/ins: move one element, extending or truncating to the destination."""
    def run(state, d, src):
        value = _read(state, src) if isinstance(src, Reg) else None
        if value is None:
            raise _Bad(f"source {src}")
        _write(state, d, _resize(value, _bits(d), signed))
    return run


def _bitfield(kind: str):
    """SBFM/UBFM/BFM as the ARM ARM writes them, with DecodeBitMasks done on Python ints."""
    def run(state, d, n, immr, imms):
        width = _view(d.name)[1]
        r, s = _imm(immr), _imm(imms)
        if not (0 <= r < width and 0 <= s < width):
            raise _Bad("bitfield out of range")
        ones = lambda k: (1 << k) - 1
        welem = ones(s + 1)
        wmask = ((welem >> r) | (welem << (width - r))) & ones(width) if r else welem
        tmask = ones(((s - r) & (width - 1)) + 1)
        src = _read(state, n)
        dst = _read(state, d) if kind == "bfm" else z3.BitVecVal(0, width)
        bot = (dst & ~wmask) | (z3.RotateRight(src, r) & wmask)
        if kind == "sbfm":
            top = z3.SignExt(width - 1, z3.Extract(s, s, src))
        else:
            top = dst
        _write(state, d, (top & ~tmask) | (bot & tmask))
    return run


def _extr(state, d, n, m, lsb):
    width = _view(d.name)[1]
    both = z3.Concat(_read(state, n), _read(state, m))
    _write(state, d, z3.Extract(_imm(lsb) + width - 1, _imm(lsb), both))


def _shift_variable(op):
    """lslv/lsrv/asrv/rorv: the amount is the register modulo the width."""
    def run(state, d, n, m):
        width = _view(d.name)[1]
        _write(state, d, op(_read(state, n), _read(state, m) & (width - 1)))
    return run


def _multiply_add(subtract: bool, long: str | None):
    """madd/msub, and the widening smaddl/umaddl/smsubl/umsubl (32x32 -> 64)."""
    def run(state, d, n, m, a):
        width = _view(d.name)[1]
        x, y = (_resize(_read(state, r), width, long == "s") for r in (n, m))
        acc = _read(state, a)
        _write(state, d, acc - x * y if subtract else acc + x * y)
    return run


def _multiply_high(signed: bool):
    def run(state, d, n, m):
        x, y = (_resize(_read(state, r), 128, signed) for r in (n, m))
        _write(state, d, z3.Extract(127, 64, x * y))
    return run


def _divide(signed: bool):
    """Division by zero gives zero on AArch64 (z3's bvudiv would give all ones)."""
    def run(state, d, n, m):
        x, y = _read(state, n), _read(state, m)
        quotient = x / y if signed else z3.UDiv(x, y)
        _write(state, d, z3.If(y == 0, z3.BitVecVal(0, y.size()), quotient))
    return run


def _unary(op):
    def run(state, d, n):
        _write(state, d, op(_read(state, n)))
    return run


def _cls(x):
    """CountLeadingSignBits: the leading zeros of x XOR (x >> 1), less the always-zero top bit."""
    return _leading_zeros(x ^ (x >> 1)) - 1


def _csel(op):
    def run(state, d, n, m, cond):
        _write(state, d, z3.If(condition(state, _cond(cond)), _read(state, n), op(_read(state, m))))
    return run


def _ccmp(negate: bool):
    def run(state, n, m, nzcv, cond):
        x = _read(state, n)
        y = _const(_imm(m), x.size()) if isinstance(m, Imm) else _read(state, m)
        _, flags = _add_with_carry(x, y if negate else ~y, z3.BitVecVal(0 if negate else 1, 1))
        holds = condition(state, _cond(cond))
        _set_flags(state, [z3.If(holds, f, i) for f, i in zip(flags, _nzcv_imm(_imm(nzcv)))])
    return run


def _adr(page: bool):
    """adrp gives the 4 KiB page of a symbol; `:got:` pages name the GOT slot, a separate symbol."""
    def run(state, d, sym):
        if not isinstance(sym, Sym) or sym.reloc not in (None, "got") or (sym.reloc and not page):
            raise _Bad(f"address of {sym}")
        name = sym.name + "@got" if sym.reloc == "got" else sym.name
        address = symbol(name) + sym.addend
        _write(state, d, address & ~0xFFF if page else address)
    return run


# ---------------------------------------------------------------------------------------------
# Loads and stores

def _load(nbytes: int | None, signed: bool):
    """ldr/ldrb/ldrsw/...: nbytes None means the register's size; extension per mnemonic."""
    def run(state, t, mem):
        bits = _bits(t)
        if isinstance(mem, Mem) and isinstance(mem.offset, Sym) and mem.offset.reloc == "got_lo12":
            # The GOT slot holds the symbol's address: model the load as yielding it.
            if bits != 64 or mem.mode != "offset":
                raise _Bad("GOT load")
            return _write(state, t, symbol(mem.offset.name) + mem.offset.addend)
        if isinstance(mem, Sym):         # PC-relative literal load from a label
            address, after = symbol(_target(mem)), None
        else:
            address, after = _address(state, mem)
        _write(state, t, _resize(state.load(address, nbytes or bits // 8), bits, signed))
        if after is not None:
            _write(state, mem.base, after)
    return run


def _store(nbytes: int | None):
    def run(state, t, mem):
        address, after = _address(state, mem)
        value = _read(state, t)
        state.store(address, _resize(value, 8 * nbytes) if nbytes else value)
        if after is not None:
            _write(state, mem.base, after)
    return run


def _pair(load: bool, signed_word: bool = False):
    """ldp/stp/ldpsw: two consecutive elements of the first register's size (4 for ldpsw)."""
    def run(state, t1, t2, mem):
        size = 4 if signed_word else _bits(t1) // 8
        address, after = _address(state, mem)
        if load:
            for k, t in enumerate((t1, t2)):
                _write(state, t, _resize(state.load(address + k * size, size), _bits(t), signed_word))
        else:
            for k, t in enumerate((t1, t2)):
                state.store(address + k * size, _read(state, t))
        if after is not None:
            _write(state, mem.base, after)
    return run


def _structure(load: bool, interleave: int = 1, replicate: bool = False):
    """ld1/st1 of one to four whole registers, one lane ({v0.s}[1]), ld1r (load one element into
    every lane), and ldN/stN (element e of register r at e*N + r: arrays of N-field structs)."""
    def run(state, regs, mem):
        if not isinstance(regs, RegList):
            raise _Bad("expected a register list")
        address, after = _address(state, mem)
        if regs.lane is not None or replicate:
            if len(regs.regs) != 1 or interleave != 1:
                raise _Bad("multi-register lane access")
            reg = regs.regs[0]
            esize = _LANE_BITS[reg.arrangement] if regs.lane is not None else _shape(reg)[0]
            target = Reg(reg.name, reg.arrangement, regs.lane) if regs.lane is not None else reg
            if load:
                element = state.load(address, esize // 8)
                _write(state, target, _pack([element] * (_bits(target) // esize)))
            else:
                state.store(address, _read(state, target))
            step = esize // 8
        else:
            if interleave > 1 and len(regs.regs) != interleave:
                raise _Bad(f"ld{interleave}/st{interleave} take {interleave} registers")
            esize, count = _shape(regs.regs[0])
            loaded = {reg: [] for reg in regs.regs}
            step = 0
            for k in range(0, len(regs.regs), interleave):
                group = regs.regs[k:k + interleave]
                stored = {reg: _lanes(_read(state, reg), esize) for reg in group}
                for e in range(count):
                    for reg in group:
                        if load:
                            loaded[reg].append(state.load(address + step, esize // 8))
                        else:
                            state.store(address + step, stored[reg][e])
                        step += esize // 8
            for reg, lanes in loaded.items() if load else ():
                _write(state, reg, _pack(lanes))
        if after is not None:
            if isinstance(mem.offset, Imm) and _imm(mem.offset) != step:
                raise _Bad("post-index immediate must be the transfer size")
            _write(state, mem.base, after)
    return run


# ---------------------------------------------------------------------------------------------
# Floating point, on IEEE bit patterns (the register contents), one element at a time

_FORMATS = {16: (5, 11), 32: (8, 24), 64: (11, 53)}
_RNE = z3.RNE()


def _sort(bits: int) -> z3.FPSortRef:
    if bits not in _FORMATS:
        raise _Bad(f"no {bits}-bit floating point")
    return z3.FPSort(*_FORMATS[bits])


def _float_bits(value: float, bits: int) -> int:
    code = {16: "<e", 32: "<f", 64: "<d"}[bits]
    return int.from_bytes(struct.pack(code, value), "little")


def _fields(bits: int) -> tuple:
    """(exponent mask, fraction mask, quiet bit, default NaN) of a format."""
    eb, sb = _FORMATS[bits]
    frac = (1 << sb - 1) - 1
    exp = ((1 << eb) - 1) << sb - 1
    quiet = 1 << sb - 2
    return exp, frac, quiet, exp | quiet


def _is_nan(b):
    exp, frac, _, _ = _fields(b.size())
    return z3.And(b & exp == exp, b & frac != 0)


def _is_snan(b):
    return z3.And(_is_nan(b), b & _fields(b.size())[2] == 0)


def _is_qnan(b):
    return z3.And(_is_nan(b), b & _fields(b.size())[2] != 0)


def _neg(b):
    return b ^ (1 << b.size() - 1)


def _fp(b):
    return z3.fpBVToFP(b, _sort(b.size()))


def _ieee(x, bits: int):
    """Bits of a z3 float; a NaN the operation itself makes is ARM's default NaN."""
    return z3.If(z3.fpIsNaN(x), z3.BitVecVal(_fields(bits)[3], bits), z3.fpToIEEEBV(x))


def _process_nans(ops, result):
    """FPProcessNaNs: a signalling NaN operand (quietened), else a quiet one, else `result`."""
    for test, value in reversed([(_is_snan(o), o | _fields(o.size())[2]) for o in ops] +
                                [(_is_qnan(o), o) for o in ops]):
        result = z3.If(test, value, result)
    return result


def _fp_op(op):
    """An arithmetic operation on floats, lifted to bits with NaN propagation."""
    def run(*ops):
        bits = ops[0].size()
        return _process_nans(ops, _ieee(op(*map(_fp, ops)), bits))
    return run


def _extremum(larger: bool):
    """FPMax/FPMin of two numbers; of +0 and -0 the max is +0 and the min -0 (z3 leaves it open)."""
    def pick(a, b):
        better = z3.fpLT(a, b) if larger else z3.fpLT(b, a)
        signed_zero = z3.And(z3.fpIsZero(a), z3.fpIsZero(b), z3.fpIsNegative(a if larger else b))
        return z3.If(z3.Or(better, signed_zero), b, a)
    return pick


_fmax, _fmin = _extremum(True), _extremum(False)


def _number_first(op, infinity_sign: int):
    """fmaxnm/fminnm: a lone quiet NaN loses to a number (it becomes -inf / +inf first)."""
    def run(a, b):
        bits = a.size()
        exp = _fields(bits)[0]
        inf = z3.BitVecVal(exp | (infinity_sign << bits - 1), bits)
        a2 = z3.If(z3.And(_is_qnan(a), z3.Not(_is_qnan(b))), inf, a)
        b2 = z3.If(z3.And(_is_qnan(b), z3.Not(_is_qnan(a))), inf, b)
        return _fp_op(op)(a2, b2)
    return run


def _mul_add(negate_addend: bool, negate_product: bool, addend_first: bool):
    """FPMulAdd(addend, op1, op2) after the FMADD family's negations; inf*0 + qNaN is invalid."""
    def run(*ops):
        addend, x, y = ops if addend_first else (ops[2], ops[0], ops[1])
        addend = _neg(addend) if negate_addend else addend
        x = _neg(x) if negate_product else x
        fx, fy, fa = _fp(x), _fp(y), _fp(addend)
        bits = x.size()
        invalid = z3.And(_is_qnan(addend), z3.Or(z3.And(z3.fpIsInf(fx), z3.fpIsZero(fy)),
                                                  z3.And(z3.fpIsZero(fx), z3.fpIsInf(fy))))
        fused = _process_nans((addend, x, y), _ieee(z3.fpFMA(_RNE, fx, fy, fa), bits))
        return z3.If(invalid, z3.BitVecVal(_fields(bits)[3], bits), fused)
    return run


def _round_int(rm):
    return _fp_op(lambda a: z3.fpRoundToIntegral(rm, a))


def _to_int(rm, signed: bool, bits: int, fbits: int = 0):
    """FPToFixed: scale by 2^fbits (exact, or infinite and saturating), round by rm, saturate to
    the destination; NaN gives 0."""
    def run(b):
        sort = _sort(b.size())
        x = z3.fpRoundToIntegral(rm, z3.fpMul(_RNE, _fp(b), z3.FPVal(2.0 ** fbits, sort)))
        if signed:
            top = z3.FPVal(2.0 ** (bits - 1), sort)
            value = z3.If(z3.fpGEQ(x, top), _const((1 << bits - 1) - 1, bits),
                          z3.If(z3.fpLEQ(x, -top), _const(1 << bits - 1, bits),
                                z3.fpToSBV(z3.RTZ(), x, z3.BitVecSort(bits))))
        else:
            value = z3.If(z3.fpGEQ(x, z3.FPVal(2.0 ** bits, sort)), _const(-1, bits),
                          z3.fpToUBV(z3.RTZ(), x, z3.BitVecSort(bits)))
            value = z3.If(z3.fpGT(x, z3.FPVal(0.0, sort)), value, z3.BitVecVal(0, bits))
        return z3.If(z3.fpIsNaN(x), z3.BitVecVal(0, bits), value)
    return run


def _from_int(signed: bool, bits: int, fbits: int = 0):
    """FixedToFP: one rounding, since scaling by 2^-fbits (>= 2^-64) stays normal for s and d."""
    if fbits and bits == 16:
        raise _Bad("fixed-point conversion to half precision")
    convert = z3.fpSignedToFP if signed else z3.fpUnsignedToFP
    scale = z3.FPVal(2.0 ** -fbits, _sort(bits))
    return lambda b: z3.fpToIEEEBV(z3.fpMul(_RNE, convert(_RNE, b, _sort(bits)), scale))


def _convert_float(bits: int):
    """fcvt between precisions; a NaN keeps its sign and top fraction bits, quietened."""
    def run(b):
        _, frac, _, _ = _fields(b.size())
        exp_out, frac_out, quiet_out, _ = _fields(bits)
        source_frac = b & frac
        shift = _FORMATS[bits][1] - _FORMATS[b.size()][1]
        payload = _resize(source_frac, bits) << shift if shift >= 0 else \
            _resize(z3.LShR(source_frac, -shift), bits)
        sign = _resize(z3.LShR(b, b.size() - 1), bits) << bits - 1
        nan = sign | exp_out | quiet_out | (payload & frac_out)
        return z3.If(_is_nan(b), nan, z3.fpToIEEEBV(z3.fpFPToFP(_RNE, _fp(b), _sort(bits))))
    return run


def _fcmp(state, n, m):
    a = _fp(_read(state, n))
    if isinstance(m, Imm):
        if m.value != 0:
            raise _Bad("fcmp against a nonzero immediate")
        b = z3.FPVal(0.0, a.sort())
    else:
        b = _fp(_read(state, m))
    return _fcmp_flags(a, b)


def _fcmp_flags(a, b) -> list:
    """Unordered 0011, equal 0110, less 1000, greater 0010."""
    unordered = z3.Or(z3.fpIsNaN(a), z3.fpIsNaN(b))
    lt, eq = z3.fpLT(a, b), z3.fpEQ(a, b)
    return [_bit(lt), _bit(eq), _bit(z3.Not(lt)), _bit(unordered)]


def _fcmp_run(state, n, m):
    _set_flags(state, _fcmp(state, n, m))


def _fccmp(state, n, m, nzcv, cond):
    holds = condition(state, _cond(cond))
    flags = _fcmp(state, n, m)
    _set_flags(state, [z3.If(holds, f, i) for f, i in zip(flags, _nzcv_imm(_imm(nzcv)))])


def _fcsel(state, d, n, m, cond):
    _write(state, d, z3.If(condition(state, _cond(cond)), _read(state, n), _read(state, m)))


_ROUNDING = {"n": z3.RNE(), "a": z3.RNA(), "m": z3.RTN(), "p": z3.RTP(), "z": z3.RTZ(),
             "i": z3.RNE(), "x": z3.RNE()}


def _convert(kind: str):
    """scvtf/ucvtf/fcvt[azmpn][su]/fcvt: lane-wise between SIMD registers of one size,
    otherwise one value between a general and a SIMD register, or between precisions."""
    def run(state, d, n, *rest):
        fbits = _imm(rest[0]) if rest else 0
        if len(rest) > 1 or rest and kind not in ("scvtf", "ucvtf", "fcvtzs", "fcvtzu"):
            raise _Bad("unexpected operands")
        out_bits = _bits(d)
        same = _is_simd(d) and _is_simd(n) and out_bits == _bits(n) and kind != "fcvt"
        esize = _shape(d)[0] if same else out_bits
        if kind == "fcvt":
            fn = _convert_float(out_bits)
        elif kind in ("scvtf", "ucvtf"):
            fn = _from_int(kind == "scvtf", esize, fbits)
        else:
            fn = _to_int(_ROUNDING[kind[4]], kind[5] == "s", esize, fbits)
        if same:
            _write(state, d, _pack([fn(e) for e in _lanes(_read(state, n), esize)]))
        else:
            _write(state, d, fn(_read(state, n)))
    return run


# ---------------------------------------------------------------------------------------------
# Lane-wise SIMD and floating-point arithmetic: (function on elements, sources include dest)

def _mask(cond, bits):
    return z3.If(cond, _const(-1, bits), z3.BitVecVal(0, bits))


_LANEWISE = {
    "add": (lambda a, b: a + b, False), "sub": (lambda a, b: a - b, False),
    "mul": (lambda a, b: a * b, False), "neg": (lambda a: -a, False),
    "abs": (lambda a: z3.If(a < 0, -a, a), False), "not": (lambda a: ~a, False),
    "mla": (lambda d, a, b: d + a * b, True), "mls": (lambda d, a, b: d - a * b, True),
    "smax": (lambda a, b: z3.If(a > b, a, b), False), "smin": (lambda a, b: z3.If(a < b, a, b), False),
    "umax": (lambda a, b: z3.If(z3.UGT(a, b), a, b), False),
    "umin": (lambda a, b: z3.If(z3.ULT(a, b), a, b), False),
    "cmeq": (lambda a, b: _mask(a == b, a.size()), False),
    "cmge": (lambda a, b: _mask(a >= b, a.size()), False),
    "cmgt": (lambda a, b: _mask(a > b, a.size()), False),
    "cmle": (lambda a, b: _mask(a <= b, a.size()), False),
    "cmlt": (lambda a, b: _mask(a < b, a.size()), False),
    "cmhi": (lambda a, b: _mask(z3.UGT(a, b), a.size()), False),
    "cmhs": (lambda a, b: _mask(z3.UGE(a, b), a.size()), False),
    "cmtst": (lambda a, b: _mask(a & b != 0, a.size()), False),
    "shl": (lambda a, b: a << b, False), "ushr": (z3.LShR, False),
    "sshr": (arithmetic_shift, False),
    "cnt": (_popcount, False),
    "bsl": (lambda d, a, b: (a & d) | (b & ~d), True),
    "bit": (lambda d, a, b: (a & b) | (d & ~b), True),
    "bif": (lambda d, a, b: (d & b) | (a & ~b), True),
    "fadd": (_fp_op(lambda a, b: z3.fpAdd(_RNE, a, b)), False),
    "fsub": (_fp_op(lambda a, b: z3.fpSub(_RNE, a, b)), False),
    "fmul": (_fp_op(lambda a, b: z3.fpMul(_RNE, a, b)), False),
    "fdiv": (_fp_op(lambda a, b: z3.fpDiv(_RNE, a, b)), False),
    "fnmul": (lambda a, b: _neg(_fp_op(lambda x, y: z3.fpMul(_RNE, x, y))(a, b)), False),
    "fsqrt": (_fp_op(lambda a: z3.fpSqrt(_RNE, a)), False),
    "fmax": (_fp_op(_fmax), False), "fmin": (_fp_op(_fmin), False),
    "fmaxnm": (_number_first(_fmax, 1), False), "fminnm": (_number_first(_fmin, 0), False),
    "fabs": (lambda a: a & ~(1 << a.size() - 1), False), "fneg": (_neg, False),
    "fmadd": (_mul_add(False, False, False), False), "fmsub": (_mul_add(False, True, False), False),
    "fnmadd": (_mul_add(True, True, False), False), "fnmsub": (_mul_add(True, False, False), False),
    "fmla": (_mul_add(False, False, True), True), "fmls": (_mul_add(False, True, True), True),
}
_LANEWISE.update({f"frint{k}": (_round_int(rm), False) for k, rm in _ROUNDING.items()})
_LANEWISE.update({name: (_LOGIC[name], False) for name in ("and", "orr", "eor", "bic", "orn")})
_LANEWISE["mvn"] = _LANEWISE["not"]


def _lanewise(fn, reads_dest: bool):
    def run(state, d, *sources):
        esize, count = _shape(d)
        columns = []
        for src in ((d,) if reads_dest else ()) + sources:
            if isinstance(src, Imm):
                columns.append([_const(_imm(src), esize)] * count)
            elif isinstance(src, Reg) and src.lane is not None:   # by-element: one lane for all
                columns.append([_read(state, src)] * count)
            elif isinstance(src, Reg) and _shape(src) == (esize, count):
                columns.append(_lanes(_read(state, src), esize))
            else:
                raise _Bad(f"operand {src} does not match {d}")
        _write(state, d, _pack([fn(*elements) for elements in zip(*columns)]))
    return run


def _half(state, reg: Reg, esize: int, count: int, signed: bool, upper: bool) -> list:
    """The narrow source of a widening op: `count` elements of esize/2 bits from the low (or,
    for the *2 forms, high) 64 bits of reg, each extended to esize."""
    lanes = _lanes(_read(state, Reg(reg.name, "16b")), esize // 2)
    return [_resize(e, esize, signed) for e in (lanes[count:] if upper else lanes[:count])]


def _long(op, signed: bool, upper: bool, wide: bool):
    """smull/umlal/saddw/usubl...(2): op(d, n, m) per element, n narrow unless `wide`."""
    def run(state, d, n, m):
        esize, count = _shape(d)
        x = _lanes(_read(state, n), esize) if wide else _half(state, n, esize, count, signed, upper)
        y = _half(state, m, esize, count, signed, upper)
        acc = _lanes(_read(state, d), esize)
        _write(state, d, _pack([op(*e) for e in zip(acc, x, y)]))
    return run


_LONG = {"mull": (lambda d, a, b: a * b, False), "mlal": (lambda d, a, b: d + a * b, False),
         "mlsl": (lambda d, a, b: d - a * b, False), "addl": (lambda d, a, b: a + b, False),
         "subl": (lambda d, a, b: a - b, False), "addw": (lambda d, a, b: a + b, True),
         "subw": (lambda d, a, b: a - b, True)}


def _pairwise(op):
    """addp/faddp: adjacent pairs of n:m (two operands: of n alone, into a scalar)."""
    def run(state, d, n, m=None):
        esize, _ = _shape(n)
        lanes = _lanes(_read(state, n), esize) + (_lanes(_read(state, m), esize) if m else [])
        _write(state, d, _pack([op(lanes[k], lanes[k + 1]) for k in range(0, len(lanes), 2)]))
    return run


def _permute(pick):
    """uzp/zip/trn: result element i is pick(i, count) of the elements of n followed by m."""
    def run(state, d, n, m):
        esize, count = _shape(d)
        both = _lanes(_read(state, n), esize) + _lanes(_read(state, m), esize)
        _write(state, d, _pack([both[pick(i, count)] for i in range(count)]))
    return run


_PERMUTES = {
    "uzp1": lambda i, c: 2 * i, "uzp2": lambda i, c: 2 * i + 1,
    "zip1": lambda i, c: i // 2 + (c if i % 2 else 0),
    "zip2": lambda i, c: c // 2 + i // 2 + (c if i % 2 else 0),
    "trn1": lambda i, c: i - i % 2 + (c if i % 2 else 0),
    "trn2": lambda i, c: i - i % 2 + 1 + (c if i % 2 else 0),
}


def _reduce(op):
    """addv/smaxv/...: fold the lanes of a vector into a scalar of the element size."""
    def run(state, d, n):
        esize, _ = _shape(n)
        lanes = _lanes(_read(state, n), esize)
        result = lanes[0]
        for lane in lanes[1:]:
            result = op(result, lane)
        _write(state, d, result)
    return run


def _movi(invert: bool):
    """movi/mvni: an immediate, shifted (lsl shifts in zeros, msl ones), in every element."""
    def run(state, d, imm, shift=None):
        esize, count = _shape(d)
        amount = shift.amount or 0 if isinstance(shift, Shift) else 0
        value = _imm(imm) << amount
        if isinstance(shift, Shift) and shift.op == "msl":
            value |= (1 << amount) - 1
        value = ~value if invert else value
        _write(state, d, _pack([_const(value, esize)] * count))
    return run


def _dup(state, d, src):
    if not _is_simd(d) or d.arrangement is None or d.lane is not None:
        return _mov(state, d, src)       # dup s0, v1.s[1] is mov s0, v1.s[1]
    esize, count = _shape(d)
    _write(state, d, _pack([_resize(_read(state, src), esize)] * count))


def _widen(signed: bool, upper: bool):
    """sshll/ushll(2), and sxtl/uxtl(2) (a shift of 0): each element to twice its size."""
    def run(state, d, n, shift=None):
        esize, count = _shape(d)
        amount = _imm(shift) if shift is not None else 0
        _write(state, d, _pack([e << amount for e in _half(state, n, esize, count, signed, upper)]))
    return run


def _narrow(upper: bool):
    """xtn writes the low half of d (zeroing the rest); xtn2 the high half, keeping the low."""
    def run(state, d, n):
        esize, _ = _shape(d)
        lanes = [_resize(e, esize) for e in _lanes(_read(state, n), 2 * esize)]
        if upper:
            lanes = _lanes(_read(state, Reg(d.name, "d", 0)), esize) + lanes
        _write(state, d, _pack(lanes))
    return run


def _table(keep: bool):
    """tbl/tbx: each index byte of m selects a byte of the table registers; an index past the
    end gives 0 (tbl) or leaves d's byte (tbx). A shift by index*8 does the lookup in one term."""
    def run(state, d, table, m):
        if not isinstance(table, RegList):
            raise _Bad("expected a register list")
        whole = _pack([_read(state, reg) for reg in table.regs])
        width = whole.size()
        out = []
        for index, old in zip(_lanes(_read(state, m), 8), _lanes(_read(state, d), 8)):
            byte = z3.Extract(7, 0, z3.LShR(whole, _resize(index, width) << 3))
            out.append(z3.If(z3.ULT(index, width // 8), byte, old) if keep else byte)
        _write(state, d, _pack(out))
    return run


def _ext(state, d, n, m, index):
    bits = _bits(d)
    both = z3.Concat(_read(state, m), _read(state, n))
    low = 8 * _imm(index)
    _write(state, d, z3.Extract(low + bits - 1, low, both))


# ---------------------------------------------------------------------------------------------
# Control flow

def _branch_on(test):
    def run(state, *ops):
        return Exit("branch", _target(ops[-1]), condition=test(state, *ops[:-1]))
    return run


def _register_jump(kind, state, reg):
    """br/blr: a jump to a register's address, which faults unless it is a multiple of 4."""
    address = _read(state, reg)
    return Exit(kind, register_target=address, defined=z3.Extract(1, 0, address) == 0)


def _call(state, target):
    if isinstance(target, Reg):
        return _register_jump("call", state, target)
    return Exit("call", _target(target))


def _return(state, reg=None):
    if reg is None or _view(reg.name)[0] == "x30":
        return Exit("return")
    return _register_jump("indirect", state, reg)


def _no_effect(state, *ops):
    return None


_HANDLERS = {
    "add": _arith(False, False, False), "adds": _arith(False, False, True),
    "sub": _arith(True, False, False), "subs": _arith(True, False, True),
    "adc": _arith(False, True, False), "adcs": _arith(False, True, True),
    "sbc": _arith(True, True, False), "sbcs": _arith(True, True, True),
    **{name: _logic(op, False) for name, op in _LOGIC.items()},
    "ands": _logic(_LOGIC["and"], True), "bics": _logic(_LOGIC["bic"], True),
    "movz": _move_wide("movz"), "movn": _move_wide("movn"), "movk": _move_wide("movk"),
    "mov": _mov, "fmov": _mov, "umov": _copy_lane(False), "smov": _copy_lane(True),
    "ins": _copy_lane(False), "dup": _dup, "movi": _movi(False), "mvni": _movi(True),
    "sbfm": _bitfield("sbfm"), "ubfm": _bitfield("ubfm"), "bfm": _bitfield("bfm"), "extr": _extr,
    "lslv": _shift_variable(lambda v, a: v << a), "lsrv": _shift_variable(z3.LShR),
    "asrv": _shift_variable(lambda v, a: v >> a), "rorv": _shift_variable(z3.RotateRight),
    "madd": _multiply_add(False, None), "msub": _multiply_add(True, None),
    "smaddl": _multiply_add(False, "s"), "umaddl": _multiply_add(False, "u"),
    "smsubl": _multiply_add(True, "s"), "umsubl": _multiply_add(True, "u"),
    "smulh": _multiply_high(True), "umulh": _multiply_high(False),
    "sdiv": _divide(True), "udiv": _divide(False),
    "clz": _unary(_leading_zeros), "cls": _unary(_cls), "rbit": _unary(lambda x: _reverse(x, 1, x.size())),
    "rev": _unary(lambda x: _reverse(x, 8, x.size())), "rev16": _unary(lambda x: _reverse(x, 8, 16)),
    "rev32": _unary(lambda x: _reverse(x, 8, 32)),
    "csel": _csel(lambda m: m), "csinc": _csel(lambda m: m + 1), "csinv": _csel(lambda m: ~m),
    "csneg": _csel(lambda m: -m), "ccmp": _ccmp(False), "ccmn": _ccmp(True),
    "adr": _adr(False), "adrp": _adr(True),
    "ldr": _load(None, False), "ldrb": _load(1, False), "ldrh": _load(2, False),
    "ldrsb": _load(1, True), "ldrsh": _load(2, True), "ldrsw": _load(4, True),
    "ldar": _load(None, False), "ldarb": _load(1, False), "ldarh": _load(2, False),
    "str": _store(None), "strb": _store(1), "strh": _store(2),
    "stlr": _store(None), "stlrb": _store(1), "stlrh": _store(2),
    "ldp": _pair(True), "ldnp": _pair(True), "ldpsw": _pair(True, True),
    "stp": _pair(False), "stnp": _pair(False),
    **{f"ld{n}": _structure(True, n) for n in (1, 2, 3, 4)},
    **{f"st{n}": _structure(False, n) for n in (1, 2, 3, 4)},
    "ld1r": _structure(True, replicate=True), "tbl": _table(False), "tbx": _table(True),
    "fcmp": _fcmp_run, "fcmpe": _fcmp_run, "fccmp": _fccmp, "fccmpe": _fccmp, "fcsel": _fcsel,
    "fcvt": _convert("fcvt"), "scvtf": _convert("scvtf"), "ucvtf": _convert("ucvtf"),
    **{f"fcvt{r}{s}": _convert(f"fcvt{r}{s}") for r in "azmpn" for s in "su"},
    "addv": _reduce(lambda a, b: a + b),
    "smaxv": _reduce(_LANEWISE["smax"][0]), "sminv": _reduce(_LANEWISE["smin"][0]),
    "umaxv": _reduce(_LANEWISE["umax"][0]), "uminv": _reduce(_LANEWISE["umin"][0]),
    **{f"{s}{name}{h}": _widen(s == "s", h == "2")
       for s in "su" for name in ("xtl", "shll") for h in ("", "2")},
    "xtn": _narrow(False), "xtn2": _narrow(True), "ext": _ext,
    "b": lambda state, target: Exit("jump", _target(target)),
    "br": lambda state, reg: _register_jump("indirect", state, reg),
    "bl": _call, "blr": _call, "ret": _return,
    "cbz": _branch_on(lambda state, r: _read(state, r) == 0),
    "cbnz": _branch_on(lambda state, r: _read(state, r) != 0),
    "tbz": _branch_on(lambda state, r, bit: z3.Extract(_imm(bit), _imm(bit), _read(state, r)) == 0),
    "tbnz": _branch_on(lambda state, r, bit: z3.Extract(_imm(bit), _imm(bit), _read(state, r)) != 0),
    **{name: _no_effect for name in ("nop", "prfm", "prfum", "dmb", "dsb", "isb", "yield", "bti")},
}
# Chosen when the first operand is a SIMD register: lane-wise forms of mnemonics that also name
# general-register instructions or aliases (add, orr, mul, smull), and SIMD-only ones.
_SIMD = {
    **{name: _lanewise(fn, reads_dest) for name, (fn, reads_dest) in _LANEWISE.items()},
    **{f"{s}{base}{h}": _long(op, s == "s", h == "2", wide)
       for base, (op, wide) in _LONG.items() for s in "su" for h in ("", "2")},
    **{name: _permute(pick) for name, pick in _PERMUTES.items()},
    "addp": _pairwise(lambda a, b: a + b), "faddp": _pairwise(_LANEWISE["fadd"][0]),
}
_CONDITIONS = set(_INVERSE) | {"al"}


def _text(instr: Instruction) -> str:
    try:
        from synth.dsl.asm import format_instruction
        return format_instruction(instr, "aarch64")
    except Exception:  # noqa: BLE001 -- only for a message: the formatter may lack or reject it
        return repr(instr)


def execute(state: State, instr: Instruction) -> Exit | None:
    """Run one instruction on state in place; an Exit says how control may leave it."""
    mnemonic, ops = instr.mnemonic, instr.operands
    try:
        _encodable(state, mnemonic, ops)
        cond = mnemonic[2:] if mnemonic.startswith("b.") else mnemonic[1:]
        if mnemonic[:1] == "b" and cond in _CONDITIONS and len(ops) == 1:
            return Exit("branch", _target(ops[0]), condition=condition(state, cond))
        if mnemonic in _SIMD and ops and _is_simd(ops[0]):
            return _SIMD[mnemonic](state, *ops)
        while mnemonic in _ALIASES:
            mnemonic, ops = _ALIASES[mnemonic](ops)
        handler = _HANDLERS.get(mnemonic)
        if handler is None:
            raise _Bad("unknown mnemonic")
        return handler(state, *ops)
    except (_Bad, IndexError, KeyError, TypeError, ValueError, z3.Z3Exception) as error:
        raise unsupported(instr, _text(instr), why=str(error) or type(error).__name__) from None


SEMANTICS = Semantics("aarch64", WIDTHS, execute, canonical)
