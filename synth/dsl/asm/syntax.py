"""Text <-> Listing for AArch64 and RISC-V 64 assembly: a Lark transformer and a formatter.

The two ISAs share the line structure (labels, directives, instructions) and most operand
forms; what differs (register names, where a bare word is a keyword, how relocations and
memory operands are written) lives in one small class per ISA.
"""
from __future__ import annotations

import re
from typing import NamedTuple

import lark

from synth.dsl.asm.ast import (ISAS, Comment, Directive, Imm, Instruction, Item, Keyword, Label,
                               Hole, Listing, Mem, Operand, Reg, RegList, Shift, Sym)
from synth.dsl.grammar import location, parse_tree, transform
from synth.errors import NameError_, ParseError


def parse(text: str, isa: str, file: str = "<string>") -> Listing:
    """Parse a listing of `isa`; syntax errors name the file, line and column."""
    spec = _spec(isa)
    items = transform(_ToListing(spec, file), parse_tree(isa, text, file))
    return Listing(isa, items, file)


def format(listing: Listing) -> str:
    """GNU assembler text, one item a line, that parses back to the same listing."""
    spec = _spec(listing.isa)
    return "".join(spec.format_item(item) + "\n" for item in listing.items)


def format_instruction(instr: Instruction, isa: str) -> str:
    """One instruction on one line, e.g. `ldr w5, [x7, x4]`."""
    return _spec(isa).format_instruction(instr, " ")


def detect_isa(text: str) -> str | None:
    """The ISA named by gcc's header (`.arch armv8-a`, `.attribute arch, "rv64..."`), if any."""
    if re.search(r"^\s*\.arch\s+armv[89]", text, re.MULTILINE):
        return "aarch64"
    if re.search(r'^\s*\.attribute\s+arch,\s*"rv64', text, re.MULTILINE):
        return "riscv64"
    return None


class _Word(NamedTuple):
    """A bare name not yet known to be a symbol, keyword or shift: that depends on the
    instruction and the operand's position, which the operand's own rule does not see."""
    name: str


class _Isa:
    """What differs between the ISAs; the shared parts are written here once."""
    name: str
    separator: str                       # between operands, as gcc writes it
    comment: str                         # starts a comment that runs to the end of the line

    def register(self, name: str) -> Reg | None:
        raise NotImplementedError

    def bare(self, mnemonic: str, index: int, count: int, word: str) -> Operand:
        """The operand a bare non-register word stands for at operand `index` of `count`."""
        raise NotImplementedError

    def operands(self, operands: tuple[Operand, ...]) -> tuple[Operand, ...]:
        """The instruction's operands after ISA-specific folding."""
        return operands

    def format_sym(self, sym: Sym) -> str:
        raise NotImplementedError

    def format_mem(self, mem: Mem) -> str:
        raise NotImplementedError

    def format_item(self, item: Item) -> str:
        if isinstance(item, Label):
            return f"{item.name}:"
        if isinstance(item, Directive):
            return f"\t{item.name}\t{item.args}" if item.args else f"\t{item.name}"
        if isinstance(item, Comment):
            return "\n".join(f"\t{self.comment} {line}".rstrip() for line in item.text.split("\n"))
        return "\t" + self.format_instruction(item, "\t")

    def format_instruction(self, instr: Instruction, gap: str) -> str:
        if not instr.operands:
            return instr.mnemonic
        return instr.mnemonic + gap + self.separator.join(map(self.format_operand, instr.operands))

    def format_operand(self, op: Operand) -> str:
        if isinstance(op, Reg):
            text = op.name + (f".{op.arrangement}" if op.arrangement else "")
            return text + (f"[{op.lane}]" if op.lane is not None else "")
        if isinstance(op, RegList):
            text = "{" + ", ".join(map(self.format_operand, op.regs)) + "}"
            return text + (f"[{op.lane}]" if op.lane is not None else "")
        if isinstance(op, Imm):
            return _format_number(op.value)
        if isinstance(op, Sym):
            return self.format_sym(op)
        if isinstance(op, Shift):
            return op.op if op.amount is None else f"{op.op} {op.amount}"
        if isinstance(op, Keyword):
            return op.name
        if isinstance(op, Mem):
            return self.format_mem(op)
        if isinstance(op, Hole):   # only in messages: the sketch fills holes before emitting
            return f"?{op.name}"
        raise TypeError(f"cannot format {op!r} as an operand")


def _format_number(value: int | float) -> str:
    # repr keeps every float exactly and always shows a '.' or an exponent, so it reads back
    # as a float; GNU as accepts it for fmov (`1.0`, `-2.5e-1`).
    return repr(value) if isinstance(value, float) else str(value)


def _addend(addend: int) -> str:
    return f"+{addend}" if addend > 0 else f"-{-addend}" if addend < 0 else ""


_SHIFTS = frozenset("lsl lsr asr ror msl uxtb uxth uxtw uxtx sxtb sxth sxtw sxtx".split())
_CONDITIONS = frozenset("eq ne cs hs cc lo mi pl vs vc hi ls ge lt gt le al nv".split())
_CONDITIONAL = frozenset("csel csinc csinv csneg cset csetm cinc cinv cneg ccmp ccmn "
                         "fcsel fccmp fccmpe".split())
# Mnemonic -> operand positions where a bare word is an option, not a symbol: barrier
# options, prefetch operations, system registers, branch-target kinds, cache operations.
_A64_OPTIONS = {"dmb": None, "dsb": None, "isb": None, "bti": None, "prfm": {0}, "prfum": {0},
                "mrs": {1}, "msr": {0}, "dc": {0}, "ic": {0}, "tlbi": {0}, "at": {0}}
_A64_REGISTER = re.compile(r"[xw](?:[12]?\d|30)|w?sp|[xw]zr|[bhsdq](?:[12]?\d|3[01])"
                           r"|(?P<v>v(?:[12]?\d|3[01]))(?:\.(?P<arr>\d*[bhsdq]))?")


class _AArch64(_Isa):
    name, separator, comment = "aarch64", ", ", "//"

    def register(self, name):
        m = _A64_REGISTER.fullmatch(name.lower())
        if not m:
            return None
        return Reg(m["v"], m["arr"]) if m["v"] else Reg(m[0])

    def bare(self, mnemonic, index, count, word):
        # Options are case-insensitive (gcc writes `prfm PLDL1KEEP, [x0]`); symbols are not.
        lower = word.lower()
        if mnemonic in _CONDITIONAL and index == count - 1 and lower in _CONDITIONS:
            return Keyword(lower)
        positions = _A64_OPTIONS.get(mnemonic, ())
        if positions is None or index in positions:
            return Keyword(lower)
        # Shifts and extends follow two operands (`add x0, x1, w2, sxtw`); earlier a shift's
        # name is a symbol (`bl lsl`).
        if index >= 2 and lower in _SHIFTS:
            return Shift(lower)
        return Sym(word)

    def operands(self, operands):
        # `[sp], 16`: a post-indexed address is written as two operands but is one.
        if (len(operands) >= 2 and isinstance(operands[-2], Mem) and operands[-2].offset is None
                and operands[-2].mode == "offset" and isinstance(operands[-1], (Imm, Reg))):
            return operands[:-2] + (Mem(operands[-2].base, operands[-1], "post"),)
        return operands

    def format_sym(self, sym):
        return (f":{sym.reloc}:" if sym.reloc else "") + sym.name + _addend(sym.addend)

    def format_mem(self, mem):
        if mem.mode == "post":
            return f"[{mem.base.name}], {self.format_operand(mem.offset)}"
        parts = [mem.base, mem.offset, mem.extend]
        inner = ", ".join(self.format_operand(p) for p in parts if p is not None)
        return f"[{inner}]" + ("!" if mem.mode == "pre" else "")


_ROUNDING = frozenset("rne rtz rdn rup rmm dyn".split())
_RV_REGISTER = re.compile(r"[xf](?:[12]?\d|3[01])|zero|ra|sp|gp|tp|fp|t[0-6]|a[0-7]|s(?:1[01]|\d)"
                          r"|f[ts](?:1[01]|\d)|fa[0-7]")


class _RiscV64(_Isa):
    name, separator, comment = "riscv64", ",", "#"

    def register(self, name):
        return Reg(name.lower()) if _RV_REGISTER.fullmatch(name.lower()) else None

    def bare(self, mnemonic, index, count, word):
        # fence sets (`fence iorw,ow`) and CSR names (`csrr a0,fcsr`) are options; so is a
        # floating-point instruction's trailing rounding mode (`fcvt.w.d a0,fa0,rtz`).
        lower = word.lower()
        if mnemonic.startswith(("fence", "csr")):
            return Keyword(lower)
        if mnemonic.startswith("f") and index >= 2 and index == count - 1 and lower in _ROUNDING:
            return Keyword(lower)
        return Sym(word)

    def format_sym(self, sym):
        if sym.reloc == "plt":
            return f"{sym.name}@plt"
        text = sym.name + _addend(sym.addend)
        return f"%{sym.reloc}({text})" if sym.reloc else text

    def format_mem(self, mem):
        offset = "" if mem.offset is None else self.format_operand(mem.offset)
        return f"{offset}({mem.base.name})"


_ISAS = {isa.name: isa for isa in (_AArch64(), _RiscV64())}
assert set(_ISAS) == set(ISAS)


def _spec(isa: str) -> _Isa:
    if isa not in _ISAS:
        raise NameError_(f"unknown ISA {isa!r}", expected="one of " + ", ".join(ISAS))
    return _ISAS[isa]


def _int(token) -> int:
    text = str(token)
    if text[:2].lower() == "0x":
        return int(text, 16)
    # GNU as reads a leading zero as octal.
    return int(text, 8) if len(text) > 1 and text[0] == "0" else int(text)


def _signed(children) -> int:
    *sign, number = children
    return -_int(number) if sign and str(sign[0]) == "-" else _int(number)


class _ToListing(lark.Transformer):
    def __init__(self, isa: _Isa, file: str):
        super().__init__()
        self.isa, self.file = isa, file

    def _error(self, what, meta, found=None, expected=None):
        return ParseError(what, where=location(meta, self.file), found=found, expected=expected)

    def start(self, items):
        return tuple(items)

    def label(self, children):
        token = children[0]
        return Label(str(token)[:-1], token.line)

    @lark.v_args(meta=True)
    def directive(self, meta, children):
        name, *args = str(children[0]).split(None, 1)
        return Directive(name, args[0].strip() if args else "", meta.line)

    @lark.v_args(meta=True)
    def instruction(self, meta, children):
        mnemonic, *operands = children
        mnemonic = str(mnemonic).lower()
        operands = tuple(self.isa.bare(mnemonic, i, len(operands), op.name) if isinstance(op, _Word)
                         else op for i, op in enumerate(operands))
        return Instruction(mnemonic, self.isa.operands(operands), meta.line)

    def word(self, children):
        name = str(children[0])
        return self.isa.register(name) or _Word(name)

    def imm(self, children):
        return Imm(_signed(children))

    def fimm(self, children):
        *sign, number = children
        return Imm(-float(number) if sign else float(number))

    def sym_plus(self, children):
        return Sym(str(children[0]), _signed(children[1:]))

    def local_ref(self, children):
        return Sym(str(children[0]))

    def reloc(self, children):
        op, name, *addend = children
        return Sym(str(name), _signed(addend) if addend else 0, str(op).strip(":%"))

    def plt(self, children):
        return Sym(str(children[0]), reloc="plt")

    def shift(self, children):
        op, amount = children
        if str(op).lower() not in _SHIFTS:
            raise self._error("unknown shift or extend", op, found=repr(str(op)),
                              expected="one of " + ", ".join(sorted(_SHIFTS)))
        return Shift(str(op).lower(), _int(amount))

    def lane_reg(self, children):
        name, lane = children
        reg = self._vector(name)
        return Reg(reg.name, reg.arrangement, _int(lane))

    def reglist(self, children):
        *names, lane = children if children[-1].type == "INT" else (*children, None)
        return RegList(tuple(self._vector(n) for n in names), None if lane is None else _int(lane))

    def reg_range(self, children):
        first, _, last, *lane = children
        first, last = self._vector(first), self._vector(last)
        if first.arrangement != last.arrangement:
            raise self._error("a register range needs one arrangement", children[2],
                              found=repr(str(children[2])), expected=f"v<n>.{first.arrangement}")
        # Ranges wrap around: {v31.4s - v1.4s} is v31, v0, v1.
        start, count = int(first.name[1:]), (int(last.name[1:]) - int(first.name[1:])) % 32 + 1
        regs = tuple(Reg(f"v{(start + i) % 32}", first.arrangement) for i in range(count))
        return RegList(regs, _int(lane[0]) if lane else None)

    def _vector(self, token) -> Reg:
        reg = self.isa.register(str(token))
        if reg is None or not reg.name.startswith("v") or reg.arrangement is None:
            raise self._error("expected a vector register with an arrangement", token,
                              found=repr(str(token)), expected="e.g. v0.4s or v1.s")
        return reg

    @lark.v_args(meta=True)
    def bracket_mem(self, meta, children):
        pre = isinstance(children[-1], lark.Token)      # the `!` of `[sp, -16]!`
        base, *rest = children[:-1] if pre else children
        if not _is_base(base):
            raise self._error("a memory operand's base must be a register", meta,
                              found=repr(base.name) if isinstance(base, _Word) else None)
        offset, extend = (rest + [None, None])[:2]
        if isinstance(offset, _Word):
            offset = Sym(offset.name)
        if isinstance(extend, _Word) and extend.name.lower() in _SHIFTS:
            extend = Shift(extend.name.lower())
        if (len(rest) > 2 or offset is not None and not isinstance(offset, (Imm, Sym, Reg))
                or extend is not None and not (isinstance(extend, Shift) and isinstance(offset, Reg))
                or pre and offset is None):
            raise self._error("malformed memory operand", meta, expected="[base], [base, offset], "
                              "[base, offset]!, [base], offset or [base, index, extend]")
        return Mem(base, offset, "pre" if pre else "offset", extend)

    @lark.v_args(meta=True)
    def offset_mem(self, meta, children):
        *offset, base = children
        reg = self.isa.register(str(base))
        if reg is None:
            raise self._error("a memory operand's base must be a register", base,
                              found=repr(str(base)))
        return Mem(reg, offset[0] if offset else None)


def _is_base(op) -> bool:
    return isinstance(op, Reg) and op.arrangement is None and op.lane is None
