"""Rule-based guesser from AArch64 (gcc 12 -S, -O0/-O2) to RISC-V 64 (rv64gc, lp64d, GNU as).

The guess keeps the source's stack frame, its stores and its calling convention between the
program's own functions; only where the C library is called (printf's FP varargs go in integer
registers on RISC-V) or calls back (int results sign-extended) does it follow LP64D.

Whole-program analyses run once, before any block is translated:
  - liveness with widths: which 32-bit results are later read at 64 bits (AArch64 zero-extends
    every w write, RISC-V *w instructions sign-extend), so only those get a zero-extension, and
    which functions return a 32-bit int;
  - the call graph and what each function clobbers: gcc's IPA-RA keeps values in caller-saved
    registers across calls to local functions that leave them alone, so register maps are made
    callers first and a callee keeps clear of what its callers hold across the call;
  - printf formats (x0 set by adrp/add of a .string, through moves, blocks and stack spills),
    and jump tables (rewritten by prologue() as `.word L - .Lrtx` byte offsets).
Integer temporaries that find no free integer register live in free FP registers (bit-exact
fmv moves around each use). Flags are followed from the setter (cmp, tst, subs, fcmp, ccmp...)
to each consumer (b.cond, csel, cset...), which becomes a compare-and-branch or a branch-free
sequence on the setter's operands, copied aside if overwritten in between; a block reading
flags set by its only predecessor takes them over. Everything that is not exact says so in the
block's notes (jump tables, NaN conversions, outgoing stack areas rebuilt for printf).
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field, replace

from synth.dsl.asm.ast import (
    Directive,
    Imm,
    Instruction,
    Item,
    Keyword,
    Label,
    Listing,
    Mem,
    Reg,
    RegList,
    Shift,
    Sym,
)
from synth.transpile import abi
from synth.transpile.cfg import Block, Function
from synth.transpile.cfg import program as cut_program
from synth.transpile.guess import BlockGuess, Guessed, RegisterMap
from synth.transpile.machine import UnsupportedInstruction, unsupported

# ---- register files -------------------------------------------------------------------------

_X_ABI = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", *(f"a{i}" for i in range(8)),
          *(f"s{i}" for i in range(2, 12)), "t3", "t4", "t5", "t6"]
_F_ABI = [*(f"ft{i}" for i in range(8)), "fs0", "fs1", *(f"fa{i}" for i in range(8)),
          *(f"fs{i}" for i in range(2, 12)), *(f"ft{i}" for i in range(8, 12))]

# Fixed by the two ABIs: arguments, frame pointer, link register, stack pointer, callee-saved.
# x8, AArch64's indirect-result register, is t0 everywhere: caller and callee must agree.
_FIXED = {**{f"x{i}": f"x{10 + i}" for i in range(8)}, "x8": "x5", "sp": "x2", "x29": "x8", "x30": "x1",
          "x19": "x9", **{f"x{19 + i}": f"x{17 + i}" for i in range(1, 10)},
          **{f"v{i}": f"f{10 + i}" for i in range(8)}, "v8": "f8", "v9": "f9",
          **{f"v{i}": f"f{8 + i}" for i in range(10, 16)}}
_INT_POOL = ["x6", "x7", "x28", "x29"]                              # t1-t4
_INT_SCRATCH = ["x30", "x31"]      # t5, t6: scratch in every function, so never held across a call
_FP_POOL = [f"f{i}" for i in range(8)] + [f"f{i}" for i in range(28, 32)]   # ft0-ft11
_INT_TEMPS = [f"x{i}" for i in range(9, 19)]                         # AArch64 caller-saved temps
_FP_TEMPS = [f"v{i}" for i in range(16, 32)]
_MIN_FP_SCRATCH = 1


def _canonical_x(name: str) -> str:
    """a0 -> x10 (the inverse of abi_name, for integer registers)."""
    return f"x{_X_ABI.index(name)}" if name in _X_ABI else name


def abi_name(canonical: str) -> str:
    """x10 -> a0, f10 -> fa0."""
    return (_X_ABI if canonical[0] == "x" else _F_ABI)[int(canonical[1:])]


_SRC_REG = re.compile(r"(?P<k>[xw])(?P<n>\d+)|(?P<f>[bhsdq])(?P<m>\d+)|(?P<v>v)(?P<o>\d+)")
_FP_BITS = {"b": 8, "h": 16, "s": 32, "d": 64, "q": 128}


def source_reg(reg: Reg) -> tuple[str, int, str]:
    """(canonical name, bits, "int" | "fp") of an AArch64 register operand; zr is "zr"."""
    name = reg.name
    if name in ("xzr", "wzr"):
        return "zr", 64 if name[0] == "x" else 32, "int"
    if name in ("sp", "wsp"):
        return "sp", 64 if name == "sp" else 32, "int"
    m = _SRC_REG.fullmatch(name)
    if m is None:
        raise ValueError(f"not an aarch64 register: {name}")
    if m["k"]:
        return f"x{m['n']}", 64 if m["k"] == "x" else 32, "int"
    if m["f"]:
        return f"v{m['m']}", _FP_BITS[m["f"]], "fp"
    bits = 128
    if reg.lane is not None:
        bits = {"b": 8, "h": 16, "s": 32, "d": 64}.get((reg.arrangement or "d")[-1], 64)
    elif reg.arrangement in ("8b", "4h", "2s", "1d"):
        bits = 64
    return f"v{m['o']}", bits, "fp"


def _regs_of(op) -> list[Reg]:
    if isinstance(op, Reg):
        return [op]
    if isinstance(op, RegList):
        return list(op.regs)
    if isinstance(op, Mem):
        return [op.base] + ([op.offset] if isinstance(op.offset, Reg) else [])
    return []


# ---- the source's effects on integer registers, for liveness with widths -------------------

_STORES = re.compile(r"^(str|strb|strh|stur|sturb|sturh|stlr|stlrb|stlrh|stp|stnp|st1)$")
_LOADS = re.compile(r"^(ldr|ldrb|ldrh|ldrsb|ldrsh|ldrsw|ldur|ldurb|ldurh|ldursb|ldursh|ldursw|"
                    r"ldar|ldarb|ldarh|ldp|ldpsw|ldnp|ld1)$")
_COMPARES = frozenset(["cmp", "cmn", "tst", "ccmp", "ccmn", "fcmp", "fcmpe", "fccmp", "fccmpe"])
_FLAG_SETTERS = _COMPARES | frozenset(["adds", "subs", "ands", "bics", "negs", "ngcs", "adcs", "sbcs"])
_FLAG_READERS = frozenset(["csel", "csinc", "csinv", "csneg", "cset", "csetm", "cinc", "cinv", "cneg",
                           "fcsel", "ccmp", "ccmn", "fccmp", "fccmpe", "adc", "sbc", "ngc"])
# Low bits of the result depend only on the low bits of the sources: a 32-bit need stays 32.
_LOWBITS = frozenset(["mov", "add", "sub", "mul", "madd", "msub", "mneg", "and", "orr", "eor", "bic",
                      "orn", "eon", "mvn", "neg", "lsl", "csel", "csinc", "csinv", "csneg", "cinc",
                      "cinv", "cneg"])
_CALLER_SAVED_X = [f"x{i}" for i in range(19)] + ["x30"]
_CALLER_SAVED = frozenset(_CALLER_SAVED_X) | {f"v{i}" for i in list(range(8)) + list(range(16, 32))}
_RET_READS = [f"x{i}" for i in range(19, 30)] + ["sp"]
_CALLEE_SAVED_X = frozenset(f"x{i}" for i in range(19, 29))
_CONDITIONS = ("eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge",
               "lt", "gt", "le", "al", "nv")
_INVERSE = {"eq": "ne", "ne": "eq", "cs": "cc", "hs": "lo", "cc": "cs", "lo": "hs", "mi": "pl",
            "pl": "mi", "vs": "vc", "vc": "vs", "hi": "ls", "ls": "hi", "ge": "lt", "lt": "ge",
            "gt": "le", "le": "gt", "al": "nv", "nv": "al"}


def branch_condition(mnemonic: str) -> str | None:
    """`bne` / `b.ne` -> "ne"; None for anything else."""
    cond = mnemonic[2:] if mnemonic.startswith("b.") else mnemonic[1:] if mnemonic[:1] == "b" else ""
    return cond if cond in _CONDITIONS else None


def _holds(cond: str, n: int, z: int, c: int, v: int) -> bool:
    base = {"eq": z, "cs": c, "hs": c, "mi": n, "vs": v, "hi": c and not z, "ge": n == v,
            "gt": not z and n == v, "al": True}
    if cond in base:
        return bool(base[cond])
    return not _holds(_INVERSE[cond], n, z, c, v)


@dataclass
class _Effect:
    reads: dict[str, int] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)
    lowbits: bool = False


def _read(eff: _Effect, reg: str, bits: int) -> None:
    if reg not in ("zr",):
        eff.reads[reg] = max(eff.reads.get(reg, 0), 32 if bits <= 32 else 64)


def _int_operand(op) -> tuple[str, int] | None:
    if isinstance(op, Reg):
        name, bits, kind = source_reg(op)
        if kind == "int":
            return name, bits
    return None


def _mem_reads(eff: _Effect, mem: Mem) -> None:
    _read(eff, source_reg(mem.base)[0], 64)
    if isinstance(mem.offset, Reg):
        name, bits, _ = source_reg(mem.offset)
        _read(eff, name, bits)
    if mem.mode in ("pre", "post"):
        eff.writes.append(source_reg(mem.base)[0])


# ---- string constants ------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "a": "\a", "b": "\b",
            "f": "\f", "v": "\v", "'": "'"}


def c_string(literal: str) -> str:
    """The bytes of a gas string literal `"..."`, as text."""
    body = literal.strip()
    if body.startswith('"') and body.endswith('"'):
        body = body[1:-1]
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1:i + 2]
        if nxt.isdigit():
            digits = re.match(r"[0-7]{1,3}", body[i + 1:])[0]
            out.append(chr(int(digits, 8)))
            i += 1 + len(digits)
        elif nxt == "x":
            digits = re.match(r"[0-9a-fA-F]+", body[i + 2:])[0]
            out.append(chr(int(digits, 16) & 0xFF))
            i += 2 + len(digits)
        else:
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
    return "".join(out)


# Variadic C library functions whose format string says where the FP varargs go.
_FORMATTED = {"printf": 0, "sprintf": 1, "snprintf": 2, "fprintf": 1, "dprintf": 1}
_LIBRARY = {**abi.LIBRARY,
            "strtol": abi.Signature(("i64", "i64", "i32")),
            "strtoul": abi.Signature(("i64", "i64", "i32")),
            "strtod": abi.Signature(("i64", "i64"), "f64"), "strstr": abi.Signature(("i64", "i64")),
            "strrchr": abi.Signature(("i64", "i32")), "strncpy": abi.Signature(("i64", "i64", "i64")),
            "strncat": abi.Signature(("i64", "i64", "i64")), "strcspn": abi.Signature(("i64", "i64")),
            "strspn": abi.Signature(("i64", "i64")), "toupper": abi.Signature(("i32",), "i32"),
            "tolower": abi.Signature(("i32",), "i32"), "realloc": abi.Signature(("i64", "i64")),
            "llabs": abi.Signature(("i64",))}
_TABLE_ENTRY = re.compile(r"^\(\s*([\w.$]+)\s*-\s*([\w.$]+)\s*\)\s*/\s*4$")
_TABLE_SIZES = {".byte": 1, ".hword": 2, ".2byte": 2, ".short": 2, ".word": 4, ".4byte": 4}


@dataclass(frozen=True)
class _Table:
    label: str
    base: str                                  # the .Lrtx label the offsets count from
    targets: tuple[str, ...]
    size: int                                  # bytes per source entry

    @property
    def renamed(self) -> str:
        return self.label + ".rv"


@dataclass
class _FunctionInfo:
    function: Function
    successors: list[list[int]]
    need_after: list[list[dict[str, int]]] = field(default_factory=list)
    live_in: list[dict[str, int]] = field(default_factory=list)
    tables: dict[str, _Table] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)
    return_bits: int = 64
    writes_x0: bool = False
    wide: set[str] = field(default_factory=set)         # v registers used at 128 bits
    wide_across: set[str] = field(default_factory=set)  # ... whose upper half crosses blocks
    flags_live_out: set[int] = field(default_factory=set)   # blocks whose flags a successor reads


# ---- the guesser ------------------------------------------------------------------------------

class AArch64ToRiscv64:
    """Guesser from an AArch64 listing to RISC-V 64 (see the module docstring)."""
    source = "aarch64"
    target = "riscv64"

    def __init__(self, listing: Listing):
        self.listing = listing
        self.file = listing.file
        self.strings = _strings(listing.items)
        self.program = cut_program(listing)
        self.functions = {f.name: f for f in self.program.functions}
        self._info: dict[str, _FunctionInfo] = {}
        self._maps: dict[str, RegisterMap] = {}
        self.forbidden: dict[str, set[str]] = {}   # target registers a caller holds across a call
        self._map_errors: dict[str, UnsupportedInstruction] = {}
        self.calls: dict[str, set[str]] = {}
        self.clobbers: dict[str, set[str]] = {}
        # per function: a 128-bit v register -> the target FP register holding its upper half
        self.high: dict[str, dict[str, str]] = {}
        self._analysed = False

    # -- analyses --

    def info(self, function: Function) -> _FunctionInfo:
        if not self._analysed:
            self._analyse()
        if function.name not in self._info:   # a function not of this listing
            self._info[function.name] = self._function_info(function)
            self._liveness(self._info[function.name])
        return self._info[function.name]

    def _analyse(self) -> None:
        self._analysed = True
        for f in self.program.functions:
            self._info[f.name] = self._function_info(f)
        self._call_graph()
        # The first pass assumes every callee reads all its argument registers in full and
        # returns 32 bits; later passes use what the one before found, until nothing changes.
        for _ in range(4):
            for info in self._info.values():
                self._liveness(info)
            bits = {name: self._return_bits(info) for name, info in self._info.items()}
            if all(bits[n] == i.return_bits for n, i in self._info.items()):
                break
            for name, info in self._info.items():
                info.return_bits = bits[name]
        self._allocate()

    def _return_bits(self, info: _FunctionInfo) -> int:
        """64 if a 64-bit write of x0 reaches a `ret` or a caller reads x0 in full after a call
        to the function; else 32 (an int result, which LP64D wants sign-extended)."""
        if info.function.name == "main":
            return 32
        blocks = info.function.blocks
        state_in = [0] * len(blocks)
        bits_at_return = 0
        for _ in range(len(blocks) + 1):
            changed = False
            for j, block in enumerate(blocks):
                width = state_in[j]
                for instr in block.instructions:
                    mn = instr.mnemonic
                    if mn == "ret":
                        bits_at_return = max(bits_at_return, width)
                    elif mn == "b" and instr.operands[0].name not in info.labels:
                        bits_at_return = max(bits_at_return, self._callee_return_bits(instr.operands[0].name))
                    elif mn == "bl":
                        width = self._callee_return_bits(instr.operands[0].name)
                    elif mn == "blr":
                        width = 64
                    elif "x0" in self._writes_simple(instr):
                        width = 64 if instr.operands[0].name == "x0" else 32
                for succ in info.successors[j]:
                    if width > state_in[succ]:
                        state_in[succ], changed = width, True
            if not changed:
                break
        callers = 0
        taken = self.address_taken(info.function.name)
        for other in self._info.values():
            for j, block in enumerate(other.function.blocks):
                for k, instr in enumerate(block.instructions):
                    direct = instr.mnemonic == "bl" and instr.operands[0].name == info.function.name
                    if (direct or taken and instr.mnemonic == "blr") and other.need_after:
                        callers = max(callers, other.need_after[j][k].get("x0", 0))
        return 64 if max(bits_at_return, callers) > 32 else 32

    def _callee_return_bits(self, callee: str) -> int:
        if callee in self._info:
            return self._info[callee].return_bits
        signature = _LIBRARY.get(callee)
        if signature is not None and signature.returns in ("i32", None):
            return 32
        return 64

    def address_taken(self, name: str) -> bool:
        if not hasattr(self, "_taken"):
            self._taken = set()
            for item in self.listing.items:
                ops = item.operands if isinstance(item, Instruction) else ()
                for op in ops:
                    if isinstance(op, Sym) and item.mnemonic not in ("bl", "b"):
                        self._taken.add(op.name)
                if isinstance(item, Directive) and item.name in (".xword", ".dword", ".8byte", ".word"):
                    self._taken.update(re.findall(r"[A-Za-z_][\w.$]*", item.args))
        return name in self._taken

    def _function_info(self, function: Function) -> _FunctionInfo:
        labels = {b.label for b in function.blocks if b.label}
        index = {b.label: k for k, b in enumerate(function.blocks) if b.label}
        tables = _tables(function)
        successors = []
        for k, block in enumerate(function.blocks):
            last = block.instructions[-1] if block.instructions else None
            nxt = [k + 1] if k + 1 < len(function.blocks) else []
            if last is None:
                successors.append(nxt)
                continue
            mn = last.mnemonic
            target = next((op.name for op in last.operands if isinstance(op, Sym)), None)
            if mn == "b":
                successors.append([index[target]] if target in index else [])
            elif branch_condition(mn) or mn in ("cbz", "cbnz", "tbz", "tbnz"):
                successors.append(([index[target]] if target in index else []) + nxt)
            elif mn == "br":
                targets = {t for table in tables.values() for t in table.targets}
                successors.append(sorted(index[t] for t in (targets or labels) if t in index))
            elif mn == "ret":
                successors.append([])
            else:
                successors.append(nxt)
        info = _FunctionInfo(function, successors, tables=tables, labels=labels)
        for block in function.blocks:
            for instr in block.instructions:
                for op in instr.operands:
                    for reg in _regs_of(op):
                        name, bits, kind = source_reg(reg)
                        if kind == "fp" and bits == 128:
                            info.wide.add(name)
                instr.operands[0] if instr.operands else None
                if "x0" in self._writes_simple(instr) and instr.mnemonic not in ("bl", "blr"):
                    info.writes_x0 = True
        info.return_bits = 32
        info.wide_across = _wide_across(function, info.wide)
        info.flags_live_out = _flags_live_out(function, successors)
        return info

    def effect(self, info: _FunctionInfo, block: Block, k: int) -> _Effect:
        """What instruction k of block reads and writes among the integer registers."""
        instr = block.instructions[k]
        mn, ops = instr.mnemonic, instr.operands
        eff = _Effect()
        if mn == "b":
            target = ops[0].name if ops and isinstance(ops[0], Sym) else None
            if target is not None and target not in info.labels:   # a tail call
                self._call_reads(eff, info, block, k, target)
                for r in _RET_READS:
                    _read(eff, r, 64)
            return eff
        if branch_condition(mn) or mn == "nop":
            return eff
        if mn in ("cbz", "cbnz"):
            name, bits = _int_operand(ops[0])
            _read(eff, name, bits)
            return eff
        if mn in ("tbz", "tbnz"):
            name, bits = _int_operand(ops[0])
            _read(eff, name, 32 if ops[1].value < 32 else 64)
            return eff
        if mn in ("bl", "blr"):
            if mn == "bl":
                self._call_reads(eff, info, block, k, ops[0].name)
            else:
                _read(eff, source_reg(ops[0])[0], 64)
                for r in abi.ABI["aarch64"]["int_args"]:
                    _read(eff, r, 64)
            callee = ops[0].name if mn == "bl" else None
            if callee in self.clobbers:
                eff.writes.extend(r for r in _CALLER_SAVED_X if r in self.clobbers[callee] or r == "x30")
            else:
                eff.writes.extend(_CALLER_SAVED_X)
            return eff
        if mn == "br":
            _read(eff, source_reg(ops[0])[0], 64)
            return eff
        if mn == "ret":
            _read(eff, "x0", info.return_bits)
            _read(eff, "x30", 64)
            for r in _RET_READS:
                _read(eff, r, 64)
            return eff
        if _STORES.match(mn) or mn in _COMPARES or mn == "prfm":
            for op in ops:
                if isinstance(op, Mem):
                    _mem_reads(eff, op)
                elif (x := _int_operand(op)) is not None:
                    _read(eff, *x)
            return eff
        if _LOADS.match(mn):
            for op in ops:
                if isinstance(op, Mem):
                    _mem_reads(eff, op)
                elif (x := _int_operand(op)) is not None:
                    eff.writes.append(x[0])
            return eff
        # Everything else writes its first operand and reads the rest.
        dest, *rest = ops or (None,)
        if mn in ("movk", "bfi", "bfxil") and (x := _int_operand(dest)) is not None:
            _read(eff, *x)
        if (x := _int_operand(dest)) is not None:
            eff.writes.append(x[0])
        if mn in ("ins", "mov") and isinstance(dest, Reg) and dest.lane is not None:
            eff.writes.clear()
        widths = None
        if mn in ("ubfx", "sbfx", "bfxil"):
            widths = ops[2].value + ops[3].value
        elif mn in ("ubfiz", "sbfiz", "bfi"):
            widths = ops[3].value
        for op in rest:
            if (x := _int_operand(op)) is not None:
                _read(eff, x[0], min(x[1], widths) if widths else x[1])
        eff.lowbits = mn in _LOWBITS and not any(
            isinstance(op, Shift) and op.op in ("lsr", "asr", "ror") for op in ops)
        return eff

    def _call_reads(self, eff: _Effect, info: _FunctionInfo, block: Block, k: int, callee: str) -> None:
        callee_info = self._info.get(callee)
        if callee_info is not None and callee_info.live_in:
            for r, bits in callee_info.live_in[0].items():
                if r in abi.ABI["aarch64"]["int_args"] or r == "x8":
                    _read(eff, r, bits)
            return
        if callee_info is not None:
            for r in abi.ABI["aarch64"]["int_args"] + ["x8"]:
                _read(eff, r, 64)
            return
        signature = self.signature(info.function, block, k, callee)
        places = _places("aarch64", signature) if signature else None
        if places is None:
            for r in abi.ABI["aarch64"]["int_args"]:
                _read(eff, r, 64)
            return
        for place, bits in places:
            if place.startswith("x"):
                _read(eff, place, bits)

    def signature(self, function: Function, block: Block, k: int, callee: str) -> abi.Signature | None:
        """The callee's signature at this call: printf's from its format, else the library's."""
        if callee in _FORMATTED:
            position = _FORMATTED[callee]
            fmt = self.format_string(function, block, k, f"x{position}")
            if fmt is None:
                return None
            kinds = ("i64",) * (position + 1) + abi.printf_arguments(fmt)
            return abi.Signature(kinds, "i32", fixed=position + 1)
        return _LIBRARY.get(callee)

    def format_string(self, function: Function, block: Block, k: int, reg: str) -> str | None:
        """The string constant `reg` points to before instruction k of block: the symbol of
        every `add reg, x, :lo12:S` that reaches there (through register moves and across
        blocks: gcc hoists a loop's format out of the loop)."""
        info = self._info.get(function.name)
        if info is None:
            return None
        j = function.blocks.index(block) if block in function.blocks else block.index
        symbols = self._symbols_reaching(info, j, k, reg, set())
        if len(symbols) == 1 and None not in symbols:
            return self.strings.get(symbols.pop())
        return None

    def _symbols_spilled(self, info: _FunctionInfo, slot: Mem, seen: set) -> set:
        """The symbols stored to a stack slot anywhere in the function (gcc spills a hoisted
        format pointer across calls)."""
        if ("slot", slot) in seen:
            return set()
        seen.add(("slot", slot))
        out = set()
        for j, block in enumerate(info.function.blocks):
            for i, instr in enumerate(block.instructions):
                mem = instr.operands[-1] if instr.operands else None
                if instr.mnemonic == "str" and mem == slot and isinstance(instr.operands[0], Reg):
                    out |= self._symbols_reaching(info, j, i, source_reg(instr.operands[0])[0], seen)
        return out or {None}

    def _symbols_reaching(self, info: _FunctionInfo, j: int, k: int, reg: str, seen: set) -> set:
        instrs = info.function.blocks[j].instructions
        for i in reversed(range(k)):
            instr = instrs[i]
            if reg not in self._writes_simple(instr):
                continue
            sym = _address_symbol(instr)
            if sym is not None:
                return {sym}
            if instr.mnemonic == "mov" and isinstance(instr.operands[1], Reg):
                return self._symbols_reaching(info, j, i, source_reg(instr.operands[1])[0], seen)
            mem = instr.operands[-1]
            if instr.mnemonic == "ldr" and isinstance(mem, Mem) and mem.mode == "offset" \
                    and isinstance(mem.offset, Imm) and source_reg(mem.base)[0] in ("sp", "x29"):
                return self._symbols_spilled(info, mem, seen)
            return {None}
        if (j, reg) in seen:
            return set()
        seen.add((j, reg))
        predecessors = [p for p, succ in enumerate(info.successors) if j in succ]
        if j == 0 or not predecessors:
            return {None}
        out = set()
        for p in predecessors:
            out |= self._symbols_reaching(info, p, len(info.function.blocks[p].instructions), reg, seen)
        return out

    @staticmethod
    def _writes_simple(instr: Instruction) -> set[str]:
        mn = instr.mnemonic
        if mn in ("bl", "blr"):
            return set(_CALLER_SAVED_X)
        if _STORES.match(mn) or mn in _COMPARES or not instr.operands or _is_control(instr):
            return set()
        out = set()
        if (x := _int_operand(instr.operands[0])) is not None:
            out.add(x[0])
        if mn in ("ldp", "ldpsw") and (x := _int_operand(instr.operands[1])) is not None:
            out.add(x[0])
        return out

    def _liveness(self, info: _FunctionInfo) -> None:
        blocks = info.function.blocks
        effects = [[self.effect(info, b, k) for k in range(len(b.instructions))] for b in blocks]
        live_in: list[dict[str, int]] = [{} for _ in blocks]
        changed = True
        while changed:
            changed = False
            for j in reversed(range(len(blocks))):
                live = _merge(live_in[s] for s in info.successors[j])
                for eff in reversed(effects[j]):
                    live = _transfer(eff, live)
                if live != live_in[j]:
                    live_in[j], changed = live, True
        info.live_in = live_in
        info.need_after = []
        for j, block in enumerate(blocks):
            live = _merge(live_in[s] for s in info.successors[j])
            after = []
            for eff in reversed(effects[j]):
                after.append(live)
                live = _transfer(eff, live)
            info.need_after.append(list(reversed(after)))

    # -- the Protocol --

    def register_map(self, function: Function) -> RegisterMap:
        self.info(function)
        if function.name not in self._maps and function.name not in self._map_errors:
            self._maps[function.name] = self._map_function(self._info[function.name], set(), {})
        if function.name in self._map_errors:
            raise self._map_errors[function.name]
        return self._maps[function.name]

    def return_width(self, function: Function) -> int:
        """Bits of x0 the function returns: 32 for an int (LP64D wants it sign-extended, where
        AArch64 leaves the upper half to the callee), 64 for a long or pointer."""
        return self.info(function).return_bits

    # -- register allocation across the call graph --

    def _direct_writes(self, function: Function) -> set[str]:
        out = set()
        for block in function.blocks:
            for instr in block.instructions:
                for op in instr.operands:
                    if isinstance(op, Mem) and op.mode in ("pre", "post"):
                        out.add(source_reg(op.base)[0])
                mn = instr.mnemonic
                if (_STORES.match(mn) or mn in _COMPARES or _is_control(instr) or mn == "prfm"
                        or not instr.operands or isinstance(instr.operands[0], Mem)):
                    continue
                written = list(_regs_of(instr.operands[0]))
                if mn in ("ldp", "ldpsw", "ldnp"):
                    written += _regs_of(instr.operands[1])
                out.update(source_reg(r)[0] for r in written)
        out.discard("zr")
        return out

    def _call_graph(self) -> None:
        """Local callees, and what each function clobbers among the caller-saved registers of
        AArch64 (gcc's IPA-RA keeps values in caller-saved registers across calls to local
        functions that leave them alone, so the target must leave them alone too)."""
        self.calls: dict[str, set[str]] = {}
        self.clobbers: dict[str, set[str]] = {}
        external = {}
        for name, info in self._info.items():
            callees, outside = set(), False
            for block in info.function.blocks:
                for instr in block.instructions:
                    mn = instr.mnemonic
                    if mn in ("bl", "b") and isinstance(instr.operands[0], Sym) \
                            and instr.operands[0].name not in info.labels:
                        if instr.operands[0].name in self._info:
                            callees.add(instr.operands[0].name)
                        else:
                            outside = True
                    elif mn == "blr":
                        outside = True
            self.calls[name] = callees
            external[name] = outside
            self.clobbers[name] = (_CALLER_SAVED if outside else set()) | \
                (self._direct_writes(info.function) & _CALLER_SAVED)
        changed = True
        while changed:
            changed = False
            for name, callees in self.calls.items():
                for g in callees:
                    if not self.clobbers[g] <= self.clobbers[name]:
                        self.clobbers[name] |= self.clobbers[g]
                        changed = True

    def _allocate(self) -> None:
        """Register maps for every function, callers before callees: a callee keeps clear of
        the target registers its callers hold live across the call."""
        roots = [n for n in self._info if not any(n in c for m, c in self.calls.items() if m != n)]
        order, seen = [], set()

        def visit(n):
            if n in seen:
                return
            seen.add(n)
            for g in sorted(self.calls[n]):
                visit(g)
            order.append(n)
        for n in roots + list(self._info):
            visit(n)
        order.reverse()
        forbidden: dict[str, set[str]] = {n: set() for n in self._info}
        self.forbidden = forbidden
        for name in order:
            info = self._info[name]
            sites = self._call_sites(info)
            avoid: dict[str, set[str]] = {}
            for across, g in sites:
                hit = {_FIXED[x] for x in self.clobbers[g] if x in _FIXED}
                if g in self._maps:   # a cycle: the callee is already placed
                    hit |= self._target_clobbers(g)
                for r in across:
                    avoid.setdefault(r, set()).update(hit)
            try:
                regs = self._map_function(info, forbidden[name], avoid)
            except UnsupportedInstruction as e:
                self._map_errors[name] = e
                continue
            self._maps[name] = regs
            for across, g in sites:
                forbidden[g] |= {regs.registers[r] for r in across if r in regs.registers} | forbidden[name]

    def _call_sites(self, info: _FunctionInfo) -> list[tuple[set[str], str]]:
        """(source registers that may be live across the call, callee) of each local call."""
        fp_used = {source_reg(r)[0] for b in info.function.blocks for i in b.instructions
                   for op in i.operands for r in _regs_of(op)} & _CALLER_SAVED
        fp_used = {r for r in fp_used if r.startswith("v")}
        sites = []
        for j, block in enumerate(info.function.blocks):
            for k, instr in enumerate(block.instructions):
                if instr.mnemonic == "bl" and instr.operands[0].name in self._info:
                    g = instr.operands[0].name
                    live = set(info.need_after[j][k]) if info.need_after else set(_CALLER_SAVED_X)
                    across = ((live & _CALLER_SAVED) | fp_used) - self.clobbers[g] - {"x30"}
                    sites.append((across, g))
        return sites

    def _target_clobbers(self, name: str) -> set[str]:
        regs = self._maps[name]
        out = set(regs.scratch)
        written = self._direct_writes(self._info[name].function)
        out |= {regs.registers[r] for r in written if r in regs.registers}
        for g in self.calls[name]:
            if g in self._maps and g != name:
                out |= set(self._maps[g].scratch) | {t for r, t in self._maps[g].registers.items()
                                                     if r in self.clobbers[g]}
        return out

    def _map_function(self, info: _FunctionInfo, forbidden: set[str],
                      avoid: dict[str, set[str]]) -> RegisterMap:
        function = info.function
        # Besides what the function names: the registers live through it to its return (the
        # callee-saved ones, and the return registers), which a verifier relates too.
        # The argument registers too: a verifier that cannot read a printf format takes every
        # argument register as live before the call.
        used: set[str] = {"x30", "sp", *_CALLEE_SAVED_X, "x29", *(f"x{i}" for i in range(8)),
                          *(f"v{i}" for i in range(16))}
        for block in function.blocks:
            for instr in block.instructions:
                for op in instr.operands:
                    for reg in _regs_of(op):
                        used.add(source_reg(reg)[0])
        used.discard("zr")
        registers = {r: _FIXED[r] for r in used if r in _FIXED}
        clash = sorted(r for r in used & self._direct_writes(function) & _CALLER_SAVED
                       if r in _FIXED and _FIXED[r] in forbidden)
        if clash:
            raise UnsupportedInstruction(
                f"register conflict: {function.name} writes registers a caller keeps live across "
                "the call in other registers", found=", ".join(clash))
        int_pool = [r for r in _INT_POOL + [_FIXED[f"x{i}"] for i in range(8) if f"x{i}" not in used]
                    if r not in forbidden]
        fp_pool = [r for r in _FP_POOL + [_FIXED[f"v{i}"] for i in range(8) if f"v{i}" not in used]
                   if r not in forbidden]
        for r in _FP_TEMPS:
            if r in used:
                choice = next((p for p in fp_pool if p not in avoid.get(r, ())), None)
                if choice is not None:
                    registers[r] = choice
                    fp_pool.remove(choice)
        wide = sorted(info.wide_across)
        high = [fp_pool.pop(0) for _ in wide[:max(0, len(fp_pool) - _MIN_FP_SCRATCH)]]
        # Integer temporaries: the most used in free integer registers, the rest homed in free
        # FP registers (moved through a scratch register around each instruction using them).
        uses = _use_counts(function)
        temps = sorted((r for r in _INT_TEMPS if r in used), key=lambda r: (-uses.get(r, 0), r))
        homes = {}
        for r in temps:
            choice = next((p for p in int_pool if p not in avoid.get(r, ())), None)
            if choice is None:
                choice = next((p for p in reversed(fp_pool[_MIN_FP_SCRATCH + 1:])
                               if p not in avoid.get(r, ())), None)
                if choice is not None:
                    homes[r] = choice
                    fp_pool.remove(choice)
                    registers[r] = choice
                continue
            registers[r] = choice
            int_pool.remove(choice)
        missing = sorted(used - set(registers))
        if missing or len(fp_pool) < _MIN_FP_SCRATCH:
            raise UnsupportedInstruction(
                f"register pressure: {function.name} uses too many caller-saved registers "
                f"to keep {_MIN_FP_SCRATCH} FP scratch register free",
                found=", ".join(missing) or f"{len(fp_pool)} FP left")
        int_pool = _INT_SCRATCH + int_pool
        # a wide register without a fixed upper half takes one per block (or fails there)
        self.high[function.name] = dict(zip(wide, high))
        return RegisterMap(registers, tuple(int_pool + fp_pool + high))

    def block(self, function: Function, block: Block, registers: RegisterMap) -> BlockGuess:
        info = self.info(function)
        k = function.blocks.index(block) if block in function.blocks else block.index
        return _BlockTranslator(self, info, k, block, registers).run()

    def data(self, items: tuple[Item, ...]) -> tuple[Item, ...]:
        out: list[Item] = []
        for item in items:
            if not isinstance(item, Directive):
                out.append(item)
                continue
            out.extend(_data_directive(item))
        return tuple(out)

    def prologue(self, function: Function) -> tuple[Item, ...]:
        """The function's jump tables, rewritten as 32-bit byte offsets in .rodata."""
        info = self.info(function)
        out: list[Item] = []
        for table in info.tables.values():
            out += [Directive(".pushsection", ".rodata"), Directive(".p2align", "2"),
                    Label(table.renamed)]
            out += [Directive(".word", f"{t}-{table.base}") for t in table.targets]
            out.append(Directive(".popsection"))
        return tuple(out)


_WIDE_DEFS = frozenset(["ldr", "ldp", "ldnp", "ld1", "movi", "mvni", "mov", "dup", "ins", "ldur"])


def _wide_across(function: Function, wide: set[str]) -> set[str]:
    """The v registers whose upper 64 bits some block reads before writing them."""
    out = set()
    for block in function.blocks:
        defined = set()
        for instr in block.instructions:
            mn, ops = instr.mnemonic, instr.operands
            dests = set()
            if mn in _WIDE_DEFS and ops:
                n_dest = 2 if mn in ("ldp", "ldnp") else 1
                for op in ops[:n_dest]:
                    dests |= {source_reg(r)[0] for r in _regs_of(op) if _is_wide(r)}
            for k, op in enumerate(ops):
                if mn in _WIDE_DEFS and k < (2 if mn in ("ldp", "ldnp") else 1):
                    continue
                for r in _regs_of(op):
                    name = source_reg(r)[0]
                    if name in wide and _is_wide(r) and name not in defined:
                        out.add(name)
            defined |= dests
    return out


def _flags_live_out(function: Function, successors: list[list[int]]) -> set[int]:
    """Blocks after whose end some path reads the flags before setting them."""
    first = []
    for block in function.blocks:
        kind = None
        for instr in block.instructions:
            if instr.mnemonic in _FLAG_READERS or branch_condition(instr.mnemonic):
                kind = "read"
                break
            if instr.mnemonic in _FLAG_SETTERS or instr.mnemonic in ("bl", "blr"):
                kind = "set"
                break
        first.append(kind)
    live_in = {j for j, kind in enumerate(first) if kind == "read"}
    changed = True
    while changed:
        changed = False
        for j, kind in enumerate(first):
            if kind is None and j not in live_in and any(s in live_in for s in successors[j]):
                live_in.add(j)
                changed = True
    return {j for j in range(len(function.blocks)) if any(s in live_in for s in successors[j])}


def _is_wide(reg: Reg) -> bool:
    _name, bits, kind = source_reg(reg)
    return kind == "fp" and (bits == 128 or reg.lane == 1 and (reg.arrangement or "").endswith("d"))


def _use_counts(function: Function) -> dict[str, int]:
    counts: dict[str, int] = {}
    for block in function.blocks:
        for instr in block.instructions:
            for op in instr.operands:
                for r in _regs_of(op):
                    name = source_reg(r)[0]
                    counts[name] = counts.get(name, 0) + 1
    return counts


def _merge(lives) -> dict[str, int]:
    out: dict[str, int] = {}
    for live in lives:
        for r, bits in live.items():
            out[r] = max(out.get(r, 0), bits)
    return out


def _transfer(eff: _Effect, live: dict[str, int]) -> dict[str, int]:
    before = dict(live)
    need = max((live.get(w, 0) for w in eff.writes), default=0)
    for w in eff.writes:
        before.pop(w, None)
    for r, bits in eff.reads.items():
        if eff.lowbits:
            bits = min(bits, 32 if need <= 32 else 64)
        before[r] = max(before.get(r, 0), bits)
    return before


def _address_symbol(instr: Instruction) -> str | None:
    """The symbol an `add x, y, :lo12:S` or `adr x, S` puts in its destination."""
    ops = instr.operands
    if instr.mnemonic == "add" and len(ops) == 3 and isinstance(ops[2], Sym) and ops[2].reloc == "lo12":
        return ops[2].name if not ops[2].addend else None
    if instr.mnemonic == "adr" and isinstance(ops[1], Sym):
        return ops[1].name
    return None


def _strings(items) -> dict[str, str]:
    strings, labels = {}, []
    for item in items:
        if isinstance(item, Label):
            labels.append(item.name)
        elif isinstance(item, Directive) and item.name in (".string", ".asciz", ".ascii"):
            for label in labels:
                strings[label] = c_string(item.args)
            labels = []
        elif isinstance(item, Directive) and item.name in (".align", ".p2align", ".balign"):
            continue
        else:
            labels = []
    return strings


def _tables(function: Function) -> dict[str, _Table]:
    tables, label, entries, size = {}, None, [], 0

    def close():
        if label is not None and entries:
            tables[label] = _Table(label, entries[0][1], tuple(t for t, _ in entries), size)

    for item in function.items:
        if isinstance(item, Label):
            close()
            label, entries = item.name, []
        elif isinstance(item, Directive) and item.name in _TABLE_SIZES and label is not None:
            m = _TABLE_ENTRY.match(item.args)
            if m is None:
                label = None
                continue
            entries.append((m[1], m[2]))
            size = _TABLE_SIZES[item.name]
        elif isinstance(item, Directive) and item.name in (".align", ".p2align", ".section"):
            continue
        else:
            close()
            label, entries = None, []
    close()
    return tables


def _places(isa: str, signature: abi.Signature) -> list[tuple[str, int]] | None:
    """Argument places for a signature, including the stack: ("x3", bits), ("stack0", bits)."""
    conv = abi.ABI[isa]
    ints, fps = list(conv["int_args"]), list(conv["fp_args"])
    slot, places = 0, []
    for k, kind in enumerate(signature.args):
        variadic = signature.fixed is not None and k >= signature.fixed
        bits = 32 if kind.endswith("32") else 64
        pool = ints if kind.startswith("i") or (variadic and conv["variadic_fp_in_int"]) else fps
        if pool:
            places.append((pool.pop(0), bits))
        elif isa == "riscv64" and kind.startswith("f") and ints:
            places.append((ints.pop(0), bits))
        else:
            places.append((f"stack{slot}", bits))
            slot += 1
    return places


_DIRECTIVE_RENAMES = {".xword": ".dword", ".hword": ".half", ".dword": ".dword"}
_RV_ATTRIBUTES = [Directive(".option", "pic"),
                  Directive(".attribute", 'arch, "rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0_zifencei2p0"'),
                  Directive(".attribute", "unaligned_access, 0"),
                  Directive(".attribute", "stack_align, 16")]


def _data_directive(d: Directive) -> list[Item]:
    if d.name in _TABLE_SIZES and _TABLE_ENTRY.match(d.args):
        return []   # a jump table's entry: prologue() writes the table anew
    if d.name == ".arch":
        return list(_RV_ATTRIBUTES)
    if d.name in (".cpu", ".arch_extension", ".variant_pcs") or d.name.startswith(".cfi"):
        return []
    if d.name in _DIRECTIVE_RENAMES:
        return [Directive(_DIRECTIVE_RENAMES[d.name], d.args, d.line)]
    if d.name in (".type", ".section", ".pushsection"):
        return [Directive(d.name, re.sub(r"%(function|object|progbits|nobits|notype|"
                                         r"gnu_indirect_function|tls_object)", r"@\1", d.args), d.line)]
    return [d]


# ---- one block --------------------------------------------------------------------------------

def _r(name: str) -> Reg:
    return Reg(name)


def _op(x):
    if isinstance(x, str):
        return Reg(x)
    if isinstance(x, bool):
        raise TypeError(x)
    if isinstance(x, int):
        return Imm(x)
    return x


def _fits12(v: int) -> bool:
    return -2048 <= v <= 2047


def _sext32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def _signed64(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >> 63 else v


_ALU = {"add": ("add", "addw"), "sub": ("sub", "subw"), "and": ("and", "and"),
        "orr": ("or", "or"), "eor": ("xor", "xor")}

_ALU_IMM = {"add": "addi", "and": "andi", "orr": "ori", "eor": "xori"}

_LOAD = {("ldr", 64): ("ld", 8), ("ldr", 32): ("lw", 4), ("ldrb", 32): ("lbu", 1),
         ("ldrh", 32): ("lhu", 2), ("ldrsb", 32): ("lb", 1), ("ldrsb", 64): ("lb", 1),
         ("ldrsh", 32): ("lh", 2), ("ldrsh", 64): ("lh", 2), ("ldrsw", 64): ("lw", 4),
         ("ldrb", 64): ("lbu", 1), ("ldrh", 64): ("lhu", 2)}

_STORE = {("str", 64): "sd", ("str", 32): "sw", ("strb", 32): "sb", ("strh", 32): "sh"}

SEXT, ZEXT, BOTH = "sext", "zext", "both"


@dataclass
class _Flags:
    """What the last flag setter compared. kind "sub" (a - b), "add" (a + b), "and" (a & b),
    "fp" (fcmp a, b), "bool" (a holds 0/1: whether `cond` holds)."""
    kind: str
    a: str
    b: str | int | None
    bits: int
    result: str | None = None
    cond: str | None = None
    precision: str = "d"


class _Unsupported(Exception):
    pass


class _BlockTranslator:
    def __init__(self, guesser: AArch64ToRiscv64, info: _FunctionInfo, index: int, block: Block,
                 registers: RegisterMap):
        self.g, self.info, self.index, self.block = guesser, info, index, block
        self.map = registers.registers
        self.high = guesser.high.get(info.function.name, {})
        # integer source registers homed in FP registers, and their swap registers this instruction
        self.homes = {r: abi_name(t) for r, t in self.map.items() if r.startswith("x") and t.startswith("f")}
        self.swap: dict[str, str] = {}
        self.int_scratch = [abi_name(r) for r in registers.scratch if r.startswith("x")]
        self.fp_scratch = [abi_name(r) for r in registers.scratch
                           if r.startswith("f") and r not in self.high.values()]
        self.out: list[Guessed] = []
        self.notes: list[str] = []
        self.ext: dict[str, str | None] = {}
        self.const: dict[str, int] = {}
        self.sym: dict[str, Sym] = {}         # target register -> the symbol address it holds
        self.page: dict[str, str] = {}        # target register -> the symbol whose page it holds
        self.deferred: dict[str, int] = {}    # source register -> its adrp not emitted (yet)
        self.flags: _Flags | None = None
        self.pinned: list[str] = []
        self.used: list[str] = []
        self.k = 0
        self.skip: set[int] = set()
        self.block_high: dict[str, str] = {}
        self.depth = 0
        self.scratch_names = registers.scratch

    # -- plumbing --

    def run(self) -> BlockGuess:
        from synth.dsl.asm.syntax import format_instruction
        self.flags = self._inherited_flags()
        for k, instr in enumerate(self.block.instructions):
            if k in self.skip:
                continue
            self.k, self.used = k, []
            handler = getattr(self, "_" + instr.mnemonic.replace(".", "_"), None)
            try:
                if handler is None:
                    raise _Unsupported("no rule")
                self._protect_flags(self._target_writes())
                homed = self._swap_in(instr)
                handler(instr, *instr.operands)
                self._swap_out(homed)
            except _Unsupported as e:
                raise unsupported(instr, format_instruction(instr, "aarch64"), self.g.file,
                                  f"{self.info.function.name}: {e}") from None
            except (ValueError, IndexError, AttributeError, TypeError, KeyError) as e:
                raise unsupported(instr, format_instruction(instr, "aarch64"), self.g.file,
                                  f"{self.info.function.name}: operands not understood ({e})") from None
        return BlockGuess(tuple(self.out), tuple(self.notes))

    def _swap_in(self, instr: Instruction) -> list[str]:
        """Bring the instruction's FP-homed integer registers into scratch registers."""
        names = {source_reg(r)[0] for op in instr.operands for r in _regs_of(op)} & set(self.homes)
        if not names:
            return []
        eff = self.g.effect(self.info, self.block, self.k)
        for r in sorted(names):
            s = self.scratch()
            self.swap[r] = s
            if r in eff.reads or r not in eff.writes:
                self.emit("fmv.x.d", s, self.homes[r])
                self.ext[s] = self.ext.get(self.homes[r])
        return [r for r in sorted(names) if r in eff.writes]

    def _swap_out(self, written: list[str]) -> None:
        for r in written:
            s, home = self.swap[r], self.homes[r]
            self.emit("fmv.d.x", home, s)
            self.ext[home] = self.ext.get(s)
        f = self.flags
        if f is not None:   # a compared value stays in its swap register until the flags change
            self.pinned += [x for x in (f.a, f.b, f.result)
                            if x in self.swap.values() and x not in self.pinned]
        self.swap = {}

    def emit(self, mnemonic: str, *ops, src=None, confidence=(), alternatives=()) -> None:
        instr = Instruction(mnemonic, tuple(_op(o) for o in ops))
        self.out.append(Guessed(instr, src or (self.k,), tuple(confidence), tuple(alternatives)))
        if ops and isinstance(ops[0], str) and mnemonic not in _RV_NO_DEST:
            self._clobber(ops[0])

    def _clobber(self, reg: str) -> None:
        self.ext[reg] = None
        self.const.pop(reg, None)
        self.sym.pop(reg, None)
        self.page.pop(reg, None)

    def known(self, reg: str, state: str | None, const: int | None = None, sym: Sym | None = None) -> None:
        """Record what the last write left in a target register."""
        self.ext[reg] = state
        if const is not None:
            self.const[reg] = const & ((1 << 64) - 1)
        if sym is not None:
            self.sym[reg] = sym

    def scratch(self) -> str:
        for r in self.int_scratch + self._dead():
            if r not in self.used and r not in self.pinned:
                self.used.append(r)
                self._clobber(r)
                return r
        raise _Unsupported("out of scratch registers")

    def _dead(self) -> list[str]:
        """Target registers of source registers dead across the current instruction, which it
        does not name: free to use as scratch (never around a call, whose argument moves write
        registers the source does not)."""
        instr = self.block.instructions[self.k]
        if instr.mnemonic in ("bl", "blr", "b", "ret"):
            return []
        before = self.info.need_after[self.index][self.k - 1] if self.k else self.info.live_in[self.index]
        after = self.info.need_after[self.index][self.k]
        named = {source_reg(r)[0] for op in instr.operands for r in _regs_of(op)}
        forbidden = self.g.forbidden.get(self.info.function.name, set())
        if self.flags is not None:   # a compared register dead in the source still feeds the flags
            forbidden = forbidden | {_canonical_x(x) for x in (self.flags.a, self.flags.b, self.flags.result)
                                     if isinstance(x, str)}
        out = []
        for r, t in self.map.items():
            if (r.startswith("x") and t.startswith("x") and r not in ("x29",) and r not in named
                    and r not in before and r not in after and t not in forbidden
                    and abi_name(t) not in self.swap.values()):
                out.append(abi_name(t))
        return out

    def fscratch(self) -> str:
        for r in self.fp_scratch:
            if r not in self.used and r not in self.pinned and r not in self.block_high.values():
                self.used.append(r)
                return r
        raise _Unsupported("out of FP scratch registers")

    def t(self, reg: Reg) -> str:
        """The target (ABI) name of a source integer or FP register operand."""
        name, _, _ = source_reg(reg)
        if name == "zr":
            return "zero"
        if name in self.swap:
            return self.swap[name]
        if name in self.homes:
            raise _Unsupported(f"{reg.name} is homed in {self.homes[name]} here")
        if name not in self.map:
            raise _Unsupported(f"{reg.name} has no target register")
        return abi_name(self.map[name])

    def hi(self, reg: Reg) -> str:
        """The target register holding the upper 64 bits of a 128-bit v register: fixed for
        the function if the half crosses blocks, else taken for the rest of this block."""
        name = source_reg(reg)[0]
        if name in self.high:
            return abi_name(self.high[name])
        if name not in self.block_high:
            for r in self.fp_scratch:
                if r not in self.used and r not in self.pinned and r not in self.block_high.values():
                    self.block_high[name] = r
                    break
            else:
                raise _Unsupported(f"no register for the upper half of {reg.name}")
        return self.block_high[name]

    def bits(self, reg: Reg) -> int:
        return source_reg(reg)[1]

    def need(self, reg: Reg, k: int | None = None) -> int:
        """Bits of `reg` the source reads after instruction k (default: the current one)."""
        name = source_reg(reg)[0]
        return self.info.need_after[self.index][self.k if k is None else k].get(name, 0)

    def _target_writes(self) -> list[str]:
        names = []
        eff = self.g.effect(self.info, self.block, self.k)
        for w in eff.writes:
            if w in self.map and w not in ("x30",) and w not in self.homes:
                names.append(abi_name(self.map[w]))
        instr = self.block.instructions[self.k]
        mn = instr.mnemonic
        if instr.operands and not (_STORES.match(mn) or mn in _COMPARES or _is_control(instr)):
            dests = instr.operands[:2] if mn in ("ldp", "ldnp") else instr.operands[:1]
            for op in dests:
                for r in _regs_of(op) if not isinstance(op, Mem) else ():
                    name = source_reg(r)[0]
                    if name.startswith("v") and name in self.map:
                        names.append(abi_name(self.map[name]))
        return names

    # -- flags across writes --

    def _protect_flags(self, written: list[str]) -> None:
        """Copy a compared register aside before an instruction overwrites it, if a later
        instruction of this block still reads the flags."""
        f = self.flags
        instr = self.block.instructions[self.k]
        if f is None or instr.mnemonic in _FLAG_SETTERS and instr.mnemonic not in _FLAG_READERS:
            return
        # a reader reads the flags before it writes its destination
        reader = instr.mnemonic in _FLAG_READERS or branch_condition(instr.mnemonic)
        if not self._flags_read_later(self.k + 1 if reader else self.k):
            return
        for attr in ("a", "b", "result"):
            reg = getattr(f, attr)
            if isinstance(reg, str) and reg in written and reg != "zero":
                if f.kind == "fp":
                    copy = self._pin_fp()
                    self.emit("fmv." + f.precision, copy, reg)
                else:
                    copy = self._pin()
                    self.emit("mv", copy, reg)
                    self.ext[copy] = self.ext.get(reg)
                setattr(f, attr, copy)

    def _flags_read_later(self, start: int | None = None) -> bool:
        for instr in self.block.instructions[(self.k if start is None else start):]:
            if instr.mnemonic in _FLAG_READERS or branch_condition(instr.mnemonic):
                return True
            if instr.mnemonic in _FLAG_SETTERS or instr.mnemonic in ("bl", "blr"):
                return False
        return self.index in self.info.flags_live_out

    def _next_reader(self) -> Instruction | None:
        for instr in self.block.instructions[self.k + 1:]:
            if instr.mnemonic in _FLAG_READERS or branch_condition(instr.mnemonic):
                return instr
            if instr.mnemonic in _FLAG_SETTERS:
                return None
        return None

    def _pin(self) -> str:
        for r in self.int_scratch + self._dead():
            if r not in self.pinned and r not in self.used:
                self.pinned.append(r)
                self._clobber(r)
                return r
        raise _Unsupported("out of scratch registers to hold a comparison")

    def _pin_fp(self) -> str:
        for r in self.fp_scratch:
            if r not in self.pinned and r not in self.used and r not in self.block_high.values():
                self.pinned.append(r)
                return r
        raise _Unsupported("out of FP scratch registers to hold a comparison")

    def set_flags(self, flags: _Flags) -> None:
        self.pinned = [r for r in self.pinned if r in (flags.a, flags.b, flags.result)]
        self.flags = flags

    # -- 32-bit values --

    def is_sext(self, reg: str) -> bool:
        return reg == "zero" or self.ext.get(reg) in (SEXT, BOTH)

    def is_zext(self, reg: str) -> bool:
        return reg == "zero" or self.ext.get(reg) in (ZEXT, BOTH)

    def sext(self, reg: str) -> str:
        """reg, or a scratch copy of it sign-extended from 32 bits."""
        if self.is_sext(reg):
            return reg
        s = self.scratch()
        self.emit("sext.w", s, reg)
        self.ext[s] = SEXT
        return s

    def sext_into(self, reg: str, into: str) -> str:
        """reg if sign-extended from 32 bits, else `into` holding it sign-extended."""
        if self.is_sext(reg):
            return reg
        self.emit("sext.w", into, reg)
        return into

    def zext(self, reg: str, into: str | None = None, shift: int = 0) -> str:
        """reg zero-extended from 32 bits (and shifted left), in `into` or a scratch."""
        if self.is_zext(reg) and not shift and into is None:
            return reg
        dst = into or self.scratch()
        if self.is_zext(reg):
            if shift:
                self.emit("slli", dst, reg, shift)
            elif dst != reg:
                self.emit("mv", dst, reg)
        else:
            self.emit("slli", dst, reg, 32)
            self.emit("srli", dst, dst, 32 - shift)
        self.ext[dst] = ZEXT if not shift else None
        return dst

    def finish_w(self, dest: Reg, rd: str, state: str | None, alternatives=()) -> None:
        """After a 32-bit result lands in rd: zero-extend it if the source reads it at 64 bits."""
        if rd == "zero":
            return
        if self.need(dest) > 32 and state not in (ZEXT, BOTH):
            self.emit("slli", rd, rd, 32)
            self.emit("srli", rd, rd, 32)
            state = ZEXT
        self.known(rd, state)

    def imm_reg(self, value: int) -> str:
        if value == 0:
            return "zero"
        s = self.scratch()
        self.emit("li", s, value)
        self.ext[s] = BOTH if 0 <= value < 1 << 31 else SEXT if -(1 << 31) <= value < 0 else None
        return s

    def li(self, rd: str, value: int) -> None:
        self.emit("li", rd, value)

    # -- operands --

    def operand2(self, ops: tuple, bits: int) -> str | int:
        """The flexible second operand: an immediate (int) or a register holding the value."""
        op, *mod = ops
        shift = mod[0] if mod else None
        if isinstance(op, Imm):
            value = op.value << (shift.amount if shift else 0)
            return _sext32(value) if bits == 32 else _signed64(value)
        reg = self.t(op)
        if shift is None:
            return reg
        return self.shifted(reg, shift, bits, source_reg(op)[1])

    def shifted(self, reg: str, shift: Shift, bits: int, reg_bits: int) -> str:
        amount = shift.amount or 0
        s = self.scratch()
        kind = shift.op
        if kind == "lsl":
            self.emit("slli", s, reg, amount) if amount else self.emit("mv", s, reg)
        elif kind == "lsr":
            self.emit("srliw" if bits == 32 else "srli", s, reg, amount)
        elif kind == "asr":
            self.emit("sraiw" if bits == 32 else "srai", s, reg, amount)
        elif kind == "ror":
            s2 = self.scratch()
            if bits == 32:
                self.emit("srliw", s, reg, amount)
                self.emit("slliw", s2, reg, (32 - amount) % 32)
            else:
                self.emit("srli", s, reg, amount)
                self.emit("slli", s2, reg, (64 - amount) % 64)
            self.emit("or", s, s, s2)
        elif kind in ("uxtw",):
            self.zext(reg, s, amount)
        elif kind in ("uxtb", "uxth", "sxtb", "sxth", "sxtw", "uxtx", "sxtx"):
            self.extend(kind, reg, s)
            if amount:
                self.emit("slli", s, s, amount)
        else:
            raise _Unsupported(f"operand modifier {kind}")
        return s

    def extend(self, kind: str, src: str, dst: str) -> None:
        if kind == "uxtb":
            self.emit("andi", dst, src, 255)
            self.ext[dst] = BOTH
        elif kind == "uxth":
            self.emit("slli", dst, src, 48)
            self.emit("srli", dst, dst, 48)
            self.ext[dst] = BOTH
        elif kind == "uxtw":
            self.zext(src, dst)
        elif kind in ("sxtb", "sxth"):
            n = 56 if kind == "sxtb" else 48
            self.emit("slli", dst, src, n)
            self.emit("srai", dst, dst, n)
            self.ext[dst] = SEXT
        elif kind == "sxtw":
            self.emit("sext.w", dst, src)
            self.ext[dst] = SEXT
        elif dst != src:
            self.emit("mv", dst, src)

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
                raise _Unsupported(f"address extend {kind}")
            self.emit("add", s, base, s)
            return s, 0, None
        if isinstance(off, Sym):
            if off.reloc != "lo12":
                raise _Unsupported(f"relocation {off.reloc} in an address")
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
        if _fits12(value) and _fits12(value + second):
            return base, value, None
        s = self.scratch()
        self.emit("li", s, value)
        self.emit("add", s, base, s)
        return s, 0, None

    def add_imm(self, rd: str, rs: str, value: int, word: bool = False) -> None:
        if value == 0 and not word:
            if rd != rs:
                self.emit("mv", rd, rs)
            return
        if _fits12(value):
            self.emit("addiw" if word else "addi", rd, rs, value)
            return
        s = self.scratch()
        self.emit("li", s, value)
        self.emit("addw" if word else "add", rd, rs, s)

    # ---- moves and constants ----

    def _mov(self, instr, dst, src, *rest):
        if isinstance(dst, Reg) and dst.lane is not None or isinstance(src, Reg) and src.lane is not None:
            return self._lane_move(dst, src)
        _d_name, d_bits, d_kind = source_reg(dst)
        if d_kind == "fp":
            if not isinstance(src, Reg) or source_reg(src)[2] != "fp":
                raise _Unsupported("vector mov")
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
            emitted = value if wide else _sext32(value)
            other = _sext32(value) if wide else value
            alternatives = (Instruction("li", (_r(rd), Imm(other))),) if other != emitted else ()
            self.emit("li", rd, emitted, alternatives=alternatives)
            state = BOTH if value < 1 << 31 else (ZEXT if wide else SEXT)
            self.known(rd, state, const=emitted)
            return
        value, sources = self._fuse_movk(dst, value)
        value = _signed64(value)
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
            regs = {source_reg(r)[0] for op in instr.operands for r in _regs_of(op)}
            if instr.mnemonic == "movk" and instr.operands[0] == dst:
                amount = instr.operands[2].amount if len(instr.operands) > 2 else 0
                value = (value & ~(0xFFFF << amount)) | (instr.operands[1].value << amount)
                sources.append(j)
                self.skip.add(j)
                continue
            if name in regs or instr.mnemonic in ("bl", "blr") or _is_control(instr):
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
        self.emit("li", s, _signed64(~field_mask))
        self.emit("and", rd, rd, s)
        self.emit("li", s, _signed64(imm.value << amount) if amount < 48 else _signed64(imm.value << 48))
        self.emit("or", rd, rd, s)
        if bits == 32:
            self.finish_w(dst, rd, None)

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
            if name not in {source_reg(r)[0] for op in instr.operands for r in _regs_of(op)}:
                if instr.mnemonic in ("bl", "blr") or _is_control(instr):
                    return False
                continue
            low = _low12_use(instr)
            return (low is not None and low[0] == name and low[1].name == sym.name
                    and name in self.g._writes_simple(instr))
        return False

    def low_address(self, dst: Reg, n: Reg, sym: Sym) -> None:
        """`add d, n, :lo12:S`: S itself when n holds S's page (as after adrp), else n plus
        the low 12 bits of S."""
        if sym.reloc != "lo12":
            raise _Unsupported(f"relocation {sym.reloc} in add")
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

    # ---- integer arithmetic ----


    def alu(self, op: str, dst: Reg, n: Reg, rest: tuple) -> None:
        bits = self.bits(dst)
        self.alu_with(op, dst, self.t(dst), self.t(n), self.operand2(rest, bits), bits)

    def alu_with(self, op: str, dst: Reg, rd: str, rn: str, m: str | int, bits: int) -> None:
        reg_op, word_op = _ALU[op]
        word = bits == 32
        n_state = BOTH if rn == "zero" else self.ext.get(rn)
        if isinstance(m, int):
            if op == "sub":
                op, m = "add", (-m if bits == 64 else _sext32(-m))
            m_state = BOTH if 0 <= m < 1 << 31 else SEXT if -(1 << 31) <= m < 0 else None
            if op == "add":
                self.add_imm(rd, rn, m, word)
            elif _fits12(m):
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
        state = SEXT if op in ("add", "sub") else _logic_state(op, n_state, m_state)
        self.finish_w(dst, rd, state)

    def _alu_entry(self, op, instr, dst, n, *rest):
        if source_reg(dst)[2] == "fp":
            return self.scalar_simd(op, dst, n, rest)
        self.alu(op, dst, n, rest)

    def scalar_simd(self, op: str, dst: Reg, n: Reg, rest: tuple) -> None:
        """A 64-bit integer operation on d registers (`add d0, d0, d1`), or on the two 32-bit
        lanes of one (`add v0.2s, v1.2s, v0.2s`), through integer scratch registers."""
        if self.bits(dst) != 64 or dst.arrangement not in (None, "2s", "8b") \
                or len(rest) != 1 or not isinstance(rest[0], Reg):
            raise _Unsupported("vector arithmetic")
        lanes = dst.arrangement == "2s" and op in ("add", "sub")
        a, b = self.scratch(), self.scratch()
        self.emit("fmv.x.d", a, self.t(n))
        self.emit("fmv.x.d", b, self.t(rest[0]))
        if lanes:   # carry-free lanes: the low 31 bits add, the top bit of each lane xors
            m, top = self.scratch(), self.scratch()
            self.emit("xor", top, a, b)
            if op == "sub":   # ((a | H) - (b & ~H)) ^ ((a ^ ~b) & H)
                self.emit("not", top, top)
                self.emit("li", m, _signed64(0x8000000080000000))
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
            raise _Unsupported("rev64 of bytes or halfwords")
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
            raise _Unsupported("cnt of a 128-bit vector")
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
        self.emit("li", s, _signed64(mask))
        self.emit("and", reg, reg, s)

    def _addv(self, instr, dst, src):
        if src.arrangement != "8b" or not dst.name.startswith("b"):
            raise _Unsupported("addv other than of 8 bytes")
        x, t = self.scratch(), self.scratch()
        self.emit("fmv.x.d", x, self.t(src))
        self.emit("li", t, 0x0101010101010101)
        self.emit("mul", x, x, t)
        self.emit("srli", x, x, 56)
        self.emit("fmv.d.x", self.t(dst), x)

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
                raise _Unsupported("vector negate")
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
        self.set_flags(_Flags("sub", "zero", m, bits, result=rd))

    def _flags_need_operands(self, kind: str) -> bool:
        """Whether a consumer of the flags this instruction sets needs more than the result's
        zero and sign (eq ne mi pl)."""
        for instr in self.block.instructions[self.k + 1:]:
            if instr.mnemonic in _FLAG_SETTERS and instr.mnemonic not in _FLAG_READERS:
                break
            cond = _condition_of(instr)
            if cond is not None and cond not in ("eq", "ne", "mi", "pl"):
                return True
            if instr.mnemonic in _FLAG_SETTERS:
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
            kind, b = "sub", (-m if bits == 64 else _sext32(-m))
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
        self.set_flags(_Flags(kind, a, b, bits, result=None if rd == "zero" else rd))

    def _adds(self, instr, dst, n, *rest):
        self.flag_arith("add", dst, n, rest)

    def _subs(self, instr, dst, n, *rest):
        self.flag_arith("sub", dst, n, rest)

    def _ands(self, instr, dst, n, *rest):
        self.flag_arith("and", dst, n, rest)

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

    # bitfields and extensions

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
        self.emit("li", s2, _signed64(~(((1 << width) - 1) << lsb)))
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

    # multiply and divide

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

    # ---- memory ----


    def load(self, mnemonic: str, dst: Reg, mem: Mem) -> None:
        mnemonic = {"ldur": "ldr", "ldurb": "ldrb", "ldurh": "ldrh", "ldursb": "ldrsb",
                    "ldursh": "ldrsh", "ldursw": "ldrsw", "ldar": "ldr", "ldarb": "ldrb",
                    "ldarh": "ldrh"}.get(mnemonic, mnemonic)
        name, bits, kind = source_reg(dst)
        if kind == "fp":
            return self.fp_load(dst, mem, bits)
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
                alternatives = (Instruction("lw", (_r(rd), Mem(_r(base), _op(off)))),)
            else:
                alternatives = (Instruction("lwu", (_r(rd), Mem(_r(base), _op(off)))),)
            confidence = (0.9, 1.0)
        self.emit(op, rd, Mem(_r(base), _op(off)), confidence=confidence, alternatives=alternatives)
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
            return self.fp_store(src, mem, bits)
        op = _STORE[(mnemonic, bits if mnemonic == "str" else 32)]
        rs = self.t(src)
        base, off, post = self.address(mem, 8)
        self.emit(op, rs, Mem(_r(base), _op(off)))
        if post is not None:
            self.add_imm(base, base, post)

    def _ldr(self, instr, dst, mem):
        if not isinstance(mem, Mem):
            raise _Unsupported("literal load")
        self.load(instr.mnemonic, dst, mem)

    _ldrb = _ldrh = _ldrsb = _ldrsh = _ldrsw = _ldur = _ldurb = _ldurh = _ldursb = _ldursh = \
        _ldursw = _ldar = _ldarb = _ldarh = _ldr

    def _str(self, instr, src, mem):
        self.store(instr.mnemonic, src, mem)

    _strb = _strh = _stur = _sturb = _sturh = _stlr = _stlrb = _stlrh = _str

    def fp_load(self, dst: Reg, mem: Mem, bits: int) -> None:
        base, off, post = self.address(mem, bits // 8, 8 if bits == 128 else 0)
        self.fp_load_at(dst, bits, base, off)
        if post is not None:
            self.add_imm(base, base, post)

    def fp_load_at(self, dst: Reg, bits: int, base: str, off) -> None:
        if bits == 32:
            self.emit("flw", self.t(dst), Mem(_r(base), _op(off)))
        elif bits == 64:
            self.emit("fld", self.t(dst), Mem(_r(base), _op(off)))
        elif bits == 128:
            self.emit("fld", self.t(dst), Mem(_r(base), _op(off)))
            self.emit("fld", self.hi(dst), Mem(_r(base), _op(_plus(off, 8))))
        else:
            raise _Unsupported(f"{bits}-bit FP load")

    def fp_store(self, src: Reg, mem: Mem, bits: int) -> None:
        base, off, post = self.address(mem, bits // 8, 8 if bits == 128 else 0)
        self.fp_store_at(src, bits, base, off)
        if post is not None:
            self.add_imm(base, base, post)

    def fp_store_at(self, src: Reg, bits: int, base: str, off) -> None:
        if bits == 32:
            self.emit("fsw", self.t(src), Mem(_r(base), _op(off)))
        elif bits == 64:
            self.emit("fsd", self.t(src), Mem(_r(base), _op(off)))
        elif bits == 128:
            self.emit("fsd", self.t(src), Mem(_r(base), _op(off)))
            self.emit("fsd", self.hi(src), Mem(_r(base), _op(_plus(off, 8))))
        else:
            raise _Unsupported(f"{bits}-bit FP store")

    def pair(self, regs: tuple[Reg, ...], mem: Mem, store: bool, signed_word: bool = False) -> None:
        _name, bits, kind = source_reg(regs[0])
        size = bits // 8
        span = size * (len(regs) - 1) + (8 if bits == 128 else 0)
        base, off, post = self.address(mem, size, span)
        order = list(enumerate(regs))
        if not store:   # a load into the base register goes last
            order.sort(key=lambda x: kind == "int" and self.t(x[1]) == base)
        for j, reg in order:
            at = _plus(off, j * size)
            if kind == "fp":
                (self.fp_store_at if store else self.fp_load_at)(reg, bits, base, at)
            elif store:
                self.emit("sd" if bits == 64 else "sw", self.t(reg), Mem(_r(base), _op(at)))
            else:
                rd = self.t(reg)
                if bits == 64:
                    self.emit("ld", rd, Mem(_r(base), _op(at)))
                    self.known(rd, SEXT if signed_word else None)
                elif signed_word:
                    self.emit("lw", rd, Mem(_r(base), _op(at)))
                    self.known(rd, SEXT)
                else:
                    wide = self.need(reg) > 32
                    other = Instruction("lw" if wide else "lwu", (_r(rd), Mem(_r(base), _op(at))))
                    self.emit("lwu" if wide else "lw", rd, Mem(_r(base), _op(at)), confidence=(0.9, 1.0),
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
            raise _Unsupported("ld1/st1 of lanes")
        if isinstance(mem.offset, Reg):
            raise _Unsupported("ld1/st1 register post-index")
        qs = tuple(Reg(f"q{r.name[1:]}") for r in regs.regs)
        self.pair(qs, mem, store)

    def _prfm(self, instr, *ops):
        pass

    # ---- jump tables ----

    def _table_load(self, dst: Reg, mem: Mem) -> bool:
        if not isinstance(mem.offset, Reg) or not self._ends_in_table_branch():
            return False
        base, index = self.t(mem.base), self.t(mem.offset)
        rd = self.t(dst)
        s = self.scratch()
        self.zext(index, s, 2)
        self.emit("add", s, base, s)
        self.emit("lw", rd, Mem(_r(s), Imm(0)))
        self.known(rd, SEXT)
        self.notes.append(f"jump table entries rewritten as 32-bit byte offsets ({self.block.name})")
        return True

    def _ends_in_table_branch(self) -> bool:
        instrs = self.block.instructions
        if not instrs or instrs[-1].mnemonic != "br" or not self.info.tables:
            return False
        bases = {t.base for t in self.info.tables.values()}
        return any(i.mnemonic == "adr" and isinstance(i.operands[1], Sym) and i.operands[1].name in bases
                   for i in instrs)

    def _jump_table_add(self, dst, n, rest) -> bool:
        if not rest or not isinstance(rest[0], Reg) or len(rest) < 2 or not self._ends_in_table_branch():
            return False
        known = self.sym.get(self.t(n))
        if known is None or known.name not in {t.base for t in self.info.tables.values()}:
            return False
        self.emit("add", self.t(dst), self.t(n), self.t(rest[0]))
        return True

    # ---- comparisons and conditions ----

    def _cmp(self, instr, a, *rest):
        bits = self.bits(a)
        m = self.operand2(rest, bits)
        if isinstance(m, str) and m in self.used:
            m = self._keep(m)
        self.set_flags(_Flags("sub", self.t(a), m, bits))

    def _cmn(self, instr, a, *rest):
        bits = self.bits(a)
        m = self.operand2(rest, bits)
        if isinstance(m, int):
            self.set_flags(_Flags("sub", self.t(a), -m if bits == 64 else _sext32(-m), bits))
            return
        if m in self.used:
            m = self._keep(m)
        self.set_flags(_Flags("add", self.t(a), m, bits))

    def _tst(self, instr, a, *rest):
        bits = self.bits(a)
        m = self.operand2(rest, bits)
        if isinstance(m, str) and m in self.used:
            m = self._keep(m)
        self.set_flags(_Flags("and", self.t(a), m, bits))

    def _keep(self, reg: str) -> str:
        """Move a just-computed scratch value to a pinned register for a later flag reader."""
        p = self._pin()
        self.emit("mv", p, reg)
        self.ext[p] = self.ext.get(reg)
        return p

    def _fcmp(self, instr, a, b):
        bits = self.bits(a)
        prec = "s" if bits == 32 else "d"
        fb = self.t(b) if isinstance(b, Reg) else None
        if fb is None:
            if not isinstance(b, Imm) or b.value != 0:
                raise _Unsupported("fcmp with a nonzero immediate")
            fb = self._pin_fp()
            self.emit("fmv.w.x" if prec == "s" else "fmv.d.x", fb, "zero")
        self.set_flags(_Flags("fp", self.t(a), fb, bits, precision=prec))

    _fcmpe = _fcmp

    def _ccmp(self, instr, a, b, nzcv, cond):
        self.conditional_compare("sub", a, b, nzcv, cond)

    def _ccmn(self, instr, a, b, nzcv, cond):
        self.conditional_compare("add", a, b, nzcv, cond)

    def _fccmp(self, instr, a, b, nzcv, cond):
        self.conditional_compare("fp", a, b, nzcv, cond)

    _fccmpe = _fccmp

    def conditional_compare(self, kind: str, a: Reg, b, nzcv: Imm, cond: Keyword) -> None:
        """flags = cond ? compare(a, b) : nzcv. Held as one boolean: whether the next reader's
        condition holds."""
        reader = self._next_reader()
        want = _condition_of(reader) if reader is not None else None
        if want is None:
            raise _Unsupported("conditional compare without a reader in its block")
        first = self._bool(cond.name)
        if first in self.used:
            self.used.remove(first)
            self.pinned.append(first)
            hold = first
        else:
            hold = self._pin()
            self.emit("mv", hold, first)
        bits = self.bits(a)
        if kind == "fp":
            prec = "s" if bits == 32 else "d"
            fb = self.t(b) if isinstance(b, Reg) else None
            if fb is None:
                fb = self.fscratch()
                self.emit("fmv.w.x" if prec == "s" else "fmv.d.x", fb, "zero")
            second_flags = _Flags("fp", self.t(a), fb, bits, precision=prec)
        else:
            m = self.operand2((b,), bits)
            if kind == "add" and isinstance(m, int):
                kind, m = "sub", (-m if bits == 64 else _sext32(-m))
            second_flags = _Flags(kind, self.t(a), m, bits)
        saved, self.flags = self.flags, second_flags
        second = self._bool(want)
        self.flags = saved
        n, z, c, v = ((nzcv.value >> 3) & 1, (nzcv.value >> 2) & 1, (nzcv.value >> 1) & 1, nzcv.value & 1)
        if _holds(want, n, z, c, v):
            self.emit("xori", hold, hold, 1)
            self.emit("or", hold, hold, second)
        else:
            self.emit("and", hold, hold, second)
        self.pinned = [hold]
        self.flags = _Flags("bool", hold, None, 64, cond=want)

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

    def release(self, reg) -> None:
        """A scratch register of this instruction that is no longer needed."""
        if reg in self.used:
            self.used.remove(reg)

    def test(self, cond: str):
        """The current flags' `cond` as ("int", op, x, y) with op one of eq ne lt ge ltu geu,
        or ("bool", reg, negate)."""
        f = self.flags
        if f is None:
            raise _Unsupported("flags read in a different block than they are set")
        if cond in ("al", "nv"):
            return ("int", "eq", "zero", "zero")
        if f.kind == "bool":
            if cond == f.cond:
                return ("bool", f.a, False)
            if cond == _INVERSE[f.cond]:
                return ("bool", f.a, True)
            raise _Unsupported(f"condition {cond} on a combined comparison for {f.cond}")
        if f.kind == "fp":
            return self.fp_test(f, cond)
        if cond in ("vs", "vc"):
            raise _Unsupported("overflow condition")
        if f.kind == "and":
            return self.and_test(f, cond)
        if f.kind == "add":
            return self.add_test(f, cond)
        if cond in ("mi", "pl") or f.a is None:
            if cond not in ("eq", "ne", "mi", "pl") or f.result is None and f.a is None:
                raise _Unsupported(f"condition {cond} after its operands were overwritten")
            if f.result is not None:
                r = f.result if f.bits == 64 or cond in ("eq", "ne") and self.is_zext(f.result) \
                    else self.sext(f.result)
            else:
                r = self.scratch()
                b = f.b if isinstance(f.b, str) else self.imm_reg(f.b)
                self.emit("subw" if f.bits == 32 else "sub", r, f.a, b)
                self.release(b)
            op = {"eq": "eq", "ne": "ne", "mi": "lt", "pl": "ge"}[cond]
            return ("int", op, r, "zero")
        signed = cond in ("lt", "ge", "gt", "le")
        if isinstance(f.b, int) and f.b and _fits12(-f.b) and \
                (cond in ("eq", "ne") or signed and f.bits == 32):
            # against an immediate: the difference against zero, in one scratch register (a
            # difference of sign-extended words cannot overflow 64 bits)
            r = self.scratch()
            if cond in ("eq", "ne"):
                self.emit("addiw" if f.bits == 32 else "addi", r, f.a, -f.b)
            else:
                self.emit("addi", r, self.sext_into(f.a, r), -_sext32(f.b))
            op, swap = {"eq": ("eq", False), "ne": ("ne", False), "lt": ("lt", False),
                        "ge": ("ge", False), "gt": ("lt", True), "le": ("ge", True)}[cond]
            return ("int", op, "zero", r) if swap else ("int", op, r, "zero")
        a, b = self.normalised(f.a, f.b, f.bits, signed)
        op, swap = {"eq": ("eq", False), "ne": ("ne", False), "lt": ("lt", False),
                    "ge": ("ge", False), "gt": ("lt", True), "le": ("ge", True),
                    "lo": ("ltu", False), "cc": ("ltu", False), "hs": ("geu", False),
                    "cs": ("geu", False), "hi": ("ltu", True), "ls": ("geu", True)}[cond]
        return ("int", op, b, a) if swap else ("int", op, a, b)

    def normalised(self, a: str, b, bits: int, signed: bool) -> tuple[str, str]:
        """Both compare operands as registers whose full 64 bits order like their low `bits`."""
        if bits == 64:
            return a, (b if isinstance(b, str) else self.imm_reg(b))
        if isinstance(b, int):
            b = _sext32(b)
            if not signed and self.is_zext(a) and not self.is_sext(a):
                return a, self.imm_reg(b & 0xFFFFFFFF)
            return self.sext(a), self.imm_reg(b)
        if not signed and self.is_zext(a) and self.is_zext(b):
            return a, b
        return self.sext(a), self.sext(b)

    def and_test(self, f: _Flags, cond: str):
        if cond in ("hs", "cs", "hi"):
            return ("int", "ne", "zero", "zero")
        if cond in ("lo", "cc", "ls"):
            return ("int", "eq", "zero", "zero")
        if f.result is not None:
            r = f.result
        else:
            r = self.scratch()
            if isinstance(f.b, int):
                if _fits12(f.b):
                    self.emit("andi", r, f.a, f.b)
                else:
                    self.emit("li", r, f.b)
                    self.emit("and", r, f.a, r)
            else:
                self.emit("and", r, f.a, f.b)
            self.ext[r] = None
        if f.bits == 32 and not self.is_sext(r) and not (cond in ("eq", "ne") and self.is_zext(r)):
            r = self.sext(r)
        return {"eq": ("int", "eq", r, "zero"), "ne": ("int", "ne", r, "zero"),
                "mi": ("int", "lt", r, "zero"), "lt": ("int", "lt", r, "zero"),
                "pl": ("int", "ge", r, "zero"), "ge": ("int", "ge", r, "zero"),
                "gt": ("int", "lt", "zero", r), "le": ("int", "ge", "zero", r)}[cond]

    def add_test(self, f: _Flags, cond: str):
        if cond in ("eq", "ne", "mi", "pl") or (f.bits == 32 and cond in ("lt", "ge", "gt", "le")):
            r = self.scratch()
            if f.bits == 32 and cond not in ("eq", "ne", "mi", "pl"):
                a, b = self.sext(f.a), self.sext(f.b)
                self.emit("add", r, a, b)    # the exact sum: no 33-bit overflow in 64 bits
            else:
                self.emit("addw" if f.bits == 32 else "add", r, f.a, f.b)
            op = {"eq": ("eq", r, "zero"), "ne": ("ne", r, "zero"), "mi": ("lt", r, "zero"),
                  "pl": ("ge", r, "zero"), "lt": ("lt", r, "zero"), "ge": ("ge", r, "zero"),
                  "gt": ("lt", "zero", r), "le": ("ge", "zero", r)}[cond]
            return ("int", *op)
        raise _Unsupported(f"condition {cond} after cmn/adds of registers")

    def fp_test(self, f: _Flags, cond: str):
        outcomes = {"lt": (1, 0, 0, 0), "eq": (0, 1, 1, 0), "gt": (0, 0, 1, 0), "un": (0, 0, 1, 1)}
        holds = frozenset(o for o, nzcv in outcomes.items() if _holds(cond, *nzcv))
        negate = False
        if holds not in _FP_TESTS:
            holds, negate = frozenset(outcomes) - holds, True
        p = f.precision
        s = self.scratch()
        how = _FP_TESTS[holds]
        if how == "never":
            return ("int", "eq" if negate else "ne", "zero", "zero")
        if how == "unordered":
            s2 = self.scratch()
            self.emit(f"feq.{p}", s, f.a, f.a)
            self.emit(f"feq.{p}", s2, f.b, f.b)
            self.emit("and", s, s, s2)
            self.release(s2)
            return ("bool", s, not negate)
        if how == "ltgt":
            s2 = self.scratch()
            self.emit(f"flt.{p}", s, f.a, f.b)
            self.emit(f"flt.{p}", s2, f.b, f.a)
            self.emit("or", s, s, s2)
            self.release(s2)
            return ("bool", s, negate)
        op, swap = how
        x, y = (f.b, f.a) if swap else (f.a, f.b)
        self.emit(f"{op}.{p}", s, x, y)
        return ("bool", s, negate)

    def _inherited_flags(self) -> _Flags | None:
        """The flags a block reads before setting any: those its only predecessor set last,
        when the compared registers still hold the compared values."""
        first = next((i for i in self.block.instructions if i.mnemonic in _FLAG_READERS
                      or branch_condition(i.mnemonic) or i.mnemonic in _FLAG_SETTERS), None)
        if first is None or (first.mnemonic in _FLAG_SETTERS and first.mnemonic not in _FLAG_READERS):
            return None
        predecessors = [p for p, succ in enumerate(self.info.successors) if self.index in succ]
        if len(predecessors) != 1 or self.depth > 8:
            return None
        index = predecessors[0]
        prev = self.info.function.blocks[index]
        # Translate the predecessor again to learn where its translation leaves the flags'
        # operands (mapped registers, or scratch registers it kept them in).
        sub = _BlockTranslator(self.g, self.info, index, prev, RegisterMap(self.map, self.scratch_names))
        sub.depth = self.depth + 1
        try:
            sub.run()
        except UnsupportedInstruction:
            return None
        if sub.flags is None:
            return None
        self.pinned = list(sub.pinned)
        for reg in (sub.flags.a, sub.flags.b, sub.flags.result):
            if isinstance(reg, str):
                self.ext[reg] = sub.ext.get(reg)
        self.notes.append(f"{self.block.name} reads the flags set in {prev.name}")
        return sub.flags

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
        state = _logic_state("or", self.ext.get(rn), self.ext.get(rm)) if bits == 32 else None
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

    # ---- branches, calls, returns ----

    def _b(self, instr, target):
        if target.name in self.info.labels:
            self.emit("j", self.label(target))
            return
        if self.call_arguments(target.name):
            raise _Unsupported("a tail call whose arguments need a new stack area")
        self.emit("tail", Sym(target.name))

    def _br(self, instr, reg):
        self.emit("jr", self.t(reg))

    def _bl(self, instr, target):
        area = self.call_arguments(target.name)
        self.emit("call", Sym(target.name))
        self.flags, self.pinned = None, []
        if area:
            self.add_imm("sp", "sp", area)

    def _blr(self, instr, reg):
        self.emit("jalr", self.t(reg))
        self.flags, self.pinned = None, []

    def _ret(self, instr, *reg):
        if reg and source_reg(reg[0])[0] != "x30":
            raise _Unsupported("return through a register other than x30")
        if self.info.return_bits == 32 and self.info.writes_x0 and not self.is_sext("a0") \
                and "x0" in self.map:
            self.emit("sext.w", "a0", "a0")   # LP64D: a 32-bit result is sign-extended
        self.emit("ret")

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

    def call_arguments(self, callee: str) -> int:
        """LP64D moves before a call to the C library: printf's FP varargs go to integer
        registers (and, past a7, to the stack), int arguments are sign-extended. Returns the
        bytes of outgoing stack area pushed for the call, which the caller pops after it."""
        if callee in self.g.functions:
            return 0
        signature = self.g.signature(self.info.function, self.block, self.k, callee)
        if signature is None:
            if callee in _FORMATTED:
                raise _Unsupported(f"cannot find the format string of this {callee} call")
            return 0
        source = _places("aarch64", signature)
        target = _places("riscv64", signature)
        same_stack = all(s == t if s.startswith("stack") else not t.startswith("stack")
                         for (s, _), (t, _) in zip(source, target))
        slots = sum(t.startswith("stack") for t, _ in target)
        area = 0 if same_stack else (8 * slots + 15) // 16 * 16
        if area:
            self.notes.append(f"{callee}: outgoing arguments rebuilt in {area} bytes below sp")
            self.add_imm("sp", "sp", -area)
        moves, loads = [], []
        for (s_place, bits), (t_place, _), kind in zip(source, target, signature.args):
            if s_place.startswith("stack") and same_stack:
                continue
            if s_place.startswith("stack"):
                old = Mem(_r("sp"), Imm(area + 8 * int(s_place[5:])))
                if t_place.startswith("stack"):
                    s = self.scratch()
                    self.emit("ld", s, old)
                    self.emit("sd", s, Mem(_r("sp"), Imm(8 * int(t_place[5:]))))
                    self.release(s)
                else:
                    loads.append((abi_name(t_place), old))
                continue
            if s_place not in self.map:
                raise _Unsupported(f"argument register {s_place} of {callee} is never set")
            src = abi_name(self.map[s_place])
            fp = kind.startswith("f")
            if t_place.startswith("stack"):
                self.emit("fsd" if fp else "sd", src, Mem(_r("sp"), Imm(8 * int(t_place[5:]))))
                continue
            dst = abi_name(t_place)
            if kind == "i32" and signature.fixed is None and src == dst and not self.is_sext(src):
                self.emit("sext.w", src, src)
                self.ext[src] = SEXT
            if src != dst:
                moves.append((dst, src, fp, kind == "f32"))
        self.parallel_moves(moves)
        for dst, old in loads:
            self.emit("ld", dst, old)
        if any(m[2] for m in moves):
            self.notes.append(f"{callee}: FP varargs moved to integer registers (LP64D)")
        return area

    def parallel_moves(self, moves: list[tuple[str, str, bool, bool]]) -> None:
        pending = list(moves)
        while pending:
            sources = {src for _, src, fp, _ in pending if not fp}
            ready = next((m for m in pending if m[0] not in sources or
                          all(m2[1] != m[0] for m2 in pending if m2 is not m and not m2[2])), None)
            if ready is None:   # a cycle among integer moves: break it with a scratch register
                dst, src, fp, single = pending[0]
                s = self.scratch()
                self.emit("mv", s, src)
                pending[0] = (dst, s, fp, single)
                continue
            pending.remove(ready)
            dst, src, fp, single = ready
            if fp:
                # a float vararg is promoted to double in C: fmv.x.d either way
                self.emit("fmv.x.d", dst, src)
            else:
                self.emit("mv", dst, src)
            self._clobber(dst)

    # ---- floating point ----

    def fp3(self, op: str, instr, dst, n, m):
        if dst.arrangement == "2d":   # two doubles: the low halves, then the high ones
            self.emit(f"{op}.d", self.t(dst), self.t(n), self.t(m))
            self.emit(f"{op}.d", self.hi(dst), self.hi(n), self.hi(m))
            return
        p = "s" if self.bits(dst) == 32 else "d"
        if self.bits(dst) not in (32, 64) or dst.arrangement:
            raise _Unsupported("vector arithmetic")
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
            raise _Unsupported("vector arithmetic")
        self.emit(f"{op}.{p}", self.t(dst), self.t(n))

    def _fneg(self, instr, dst, n):
        self.fp2("fneg", dst, n)

    def _fabs(self, instr, dst, n):
        self.fp2("fabs", dst, n)

    def _fsqrt(self, instr, dst, n):
        self.fp2("fsqrt", dst, n)

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
                raise _Unsupported("vector fmov")
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
            regs = [r for op in instr.operands for r in _regs_of(op) if source_reg(r)[0] == name]
            if regs:
                return max(source_reg(r)[1] for r in regs)
        return None

    def _read_wide_next(self, name: str) -> bool:
        """Whether the next instruction of the block that names v register `name` reads more
        than its low 32 bits."""
        for instr in self.block.instructions[self.k + 1:]:
            regs = [r for op in instr.operands for r in _regs_of(op) if source_reg(r)[0] == name]
            if regs:
                return any(source_reg(r)[1] > 32 or r.arrangement for r in regs)
        return False

    def _lane_move(self, dst: Reg, src) -> None:
        """Moves of a 64-bit lane: `ins v0.d[1], x1`, `umov x0, v0.d[1]`, `dup d0, v1.d[1]`."""
        def half(reg: Reg) -> str:
            if reg.arrangement not in ("d",) or reg.lane not in (0, 1):
                raise _Unsupported("lane move other than a 64-bit lane")
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
        raise _Unsupported("vector dup")

    def _movi(self, instr, dst, imm, *shift):
        if imm.value != 0 or shift:
            raise _Unsupported("movi of a nonzero vector constant")
        name, bits, _ = source_reg(dst)
        # a float zero must be NaN-boxed to read as one on RISC-V
        use = self._next_use_bits(name)
        if use is None:   # next read in another block: single if the function only uses s<n>
            widths = {source_reg(r)[1] for b in self.info.function.blocks for i in b.instructions
                      if i.mnemonic != "movi" for op in i.operands for r in _regs_of(op)
                      if source_reg(r)[0] == name}
            use = widths.pop() if len(widths) == 1 else None
        single = bits <= 64 and use == 32
        self.emit("fmv.w.x" if single else "fmv.d.x", self.t(dst), "zero")
        if bits == 128:
            self.emit("fmv.d.x", self.hi(dst), "zero")

    def _fcvt(self, instr, dst, src):
        d, s = self.bits(dst), self.bits(src)
        names = {(64, 32): "fcvt.d.s", (32, 64): "fcvt.s.d"}
        if (d, s) not in names:
            raise _Unsupported("half-precision conversion")
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

    def _nop(self, instr):
        pass


# Target mnemonics whose first operand is read, not written.
_RV_NO_DEST = frozenset(["sd", "sw", "sh", "sb", "fsd", "fsw", "beq", "bne", "blt", "bge", "bltu", "bgeu",
                         "beqz", "bnez", "bltz", "bgez", "j", "jr", "jalr", "call", "tail", "ret"])
_FP_TESTS = {frozenset({"lt"}): ("flt", False), frozenset({"eq"}): ("feq", False),
             frozenset({"gt"}): ("flt", True), frozenset({"lt", "eq"}): ("fle", False),
             frozenset({"gt", "eq"}): ("fle", True), frozenset({"un"}): "unordered",
             frozenset({"lt", "gt"}): "ltgt", frozenset(): "never"}


def _low12_use(instr: Instruction) -> tuple[str, Sym] | None:
    """(base register, symbol) of an `add d, base, :lo12:S` or a `[base, :lo12:S]` access."""
    ops = instr.operands
    if instr.mnemonic == "add" and len(ops) == 3 and isinstance(ops[2], Sym) and ops[2].reloc == "lo12":
        return source_reg(ops[1])[0], ops[2]
    for op in ops:
        if isinstance(op, Mem) and isinstance(op.offset, Sym) and op.offset.reloc == "lo12":
            return source_reg(op.base)[0], op.offset
    return None


def _is_control(instr: Instruction) -> bool:
    return instr.mnemonic in ("b", "bl", "blr", "br", "ret", "cbz", "cbnz", "tbz", "tbnz") or \
        branch_condition(instr.mnemonic) is not None


def _condition_of(instr: Instruction | None) -> str | None:
    if instr is None:
        return None
    if branch_condition(instr.mnemonic):
        return branch_condition(instr.mnemonic)
    if instr.mnemonic in _FLAG_READERS and instr.operands and isinstance(instr.operands[-1], Keyword):
        return instr.operands[-1].name
    return None


def _logic_state(op: str, a: str | None, b: str | None) -> str | None:
    sa, za = a in (SEXT, BOTH), a in (ZEXT, BOTH)
    sb, zb = b in (SEXT, BOTH), b in (ZEXT, BOTH)
    if op == "and":
        s, z = sa and sb, za or zb
    else:
        s, z = sa and sb, za and zb
    if z and (s or op == "and" and (a == BOTH or b == BOTH)):
        return BOTH
    return ZEXT if z else SEXT if s else None


def _plus(off, k: int):
    if isinstance(off, Sym):
        return replace(off, addend=off.addend + k)
    return off + k
