"""Assembly listings as frozen values, shared by AArch64 and RISC-V 64.

A listing is what `gcc -S` writes: labels, directives and instructions, one per line. Operands
are typed so that semantics and translators never look at text; the formatter writes them back
in GNU syntax for the listing's ISA. Source lines ride along for error messages but are not part
of a value's identity, so a listing parsed from its own formatting compares equal to itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Reg:
    """A register: `x0`, `w5`, `sp`, `xzr`, `d1`, `q0`, `v2` (with `arrangement` 4s / lane),
    `a0`, `fa5`, `zero`. Names are lower case as gcc writes them; ABI and numeric RISC-V
    names are kept as written (the semantics resolve aliases)."""
    name: str
    arrangement: str | None = None   # AArch64 vector arrangement: 8b 16b 4h 8h 2s 4s 1d 2d, or b h s d for a lane
    lane: int | None = None          # AArch64 vector element index: v0.s[1]


@dataclass(frozen=True)
class RegList:
    """AArch64 `{v0.16b, v1.16b}` or `{v0.16b - v3.16b}` (expanded to every register)."""
    regs: tuple[Reg, ...]
    lane: int | None = None          # {v0.s, v1.s}[1]


@dataclass(frozen=True)
class Imm:
    """An immediate: an integer, or a float for fmov (`fmov d0, 1.0e+0`)."""
    value: int | float


@dataclass(frozen=True)
class Sym:
    """A symbol reference with optional addend and relocation operator.

    reloc is the operator's name without punctuation: AArch64 `:lo12:x` -> "lo12",
    `:got:x` -> "got", `:got_lo12:x` -> "got_lo12"; RISC-V `%hi(x)` -> "hi", `%lo(x)` -> "lo",
    `%pcrel_hi(x)` -> "pcrel_hi", `%pcrel_lo(x)` -> "pcrel_lo", `%got_pcrel_hi(x)`, `%tprel_*`;
    RISC-V `call f@plt` -> "plt". Numeric local labels are referenced by name: `1b`, `1f`.
    """
    name: str
    addend: int = 0
    reloc: str | None = None


@dataclass(frozen=True)
class Shift:
    """An AArch64 shift or extend modifier: `lsl 3`, `asr 2`, `uxtw`, `sxtw 2`, `msl 8`."""
    op: str
    amount: int | None = None


@dataclass(frozen=True)
class Keyword:
    """A bare word in an operand position that is not a symbol: AArch64 condition codes
    (`csel x0, x1, x2, lt`), prefetch ops (`pldl1keep`), barrier options (`ish`); RISC-V
    rounding modes (`rtz`) and fence sets (`iorw`)."""
    name: str


@dataclass(frozen=True)
class Mem:
    """A memory operand.

    AArch64: `[base]`, `[base, off]` (mode "offset"), `[base, off]!` ("pre"), `[base], off`
    ("post", the offset written after the bracket is folded in here), `[base, xi, lsl 3]`
    (offset a Reg, extend in `extend`), `[base, #:lo12:sym]` (offset a Sym).
    RISC-V: `off(base)`, `%lo(sym)(base)`, `(base)`; mode is always "offset".
    """
    base: Reg
    offset: Imm | Sym | Reg | None = None
    mode: str = "offset"
    extend: Shift | None = None


@dataclass(frozen=True)
class Hole:
    """An immediate the sketch leaves to the solver: a signed `bits`-bit value named `name`.
    Semantics that accept it read it as a Z3 variable; it is never parsed or formatted, since
    the sketch puts the solver's value in its place before anything is emitted."""
    name: str
    bits: int = 12


Operand = Union[Reg, RegList, Imm, Sym, Shift, Keyword, Mem, Hole]


@dataclass(frozen=True)
class Instruction:
    mnemonic: str                    # lower case, with suffixes: `b.ne`, `fcvt.d.w`, `amoadd.w.aqrl`
    operands: tuple[Operand, ...] = ()
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Label:
    name: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Directive:
    """`.name args`; the arguments are kept as text with gcc's spacing normalised, since they
    are assembler expressions, strings and options that only the assembler interprets."""
    name: str                        # with the dot: ".globl", ".section", ".word"
    args: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Comment:
    """A comment line that synth writes (marking unproved blocks); the parser drops comments,
    so a Comment never comes out of parse."""
    text: str


Item = Union[Instruction, Label, Directive, Comment]


@dataclass(frozen=True)
class Listing:
    isa: str                         # "aarch64" or "riscv64"
    items: tuple[Item, ...]
    file: str = field(default="<string>", compare=False)

    @property
    def instructions(self) -> tuple[Instruction, ...]:
        return tuple(i for i in self.items if isinstance(i, Instruction))


ISAS = ("aarch64", "riscv64")
