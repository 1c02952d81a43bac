"""Parsing and formatting AArch64 / RISC-V 64 assembly: exact ASTs, round trips, errors, and
gcc's own output assembling to the same bytes after a parse/format round trip."""
from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.dsl import asm
from synth.dsl.asm import (Comment, Directive, Hole, Imm, Instruction, Keyword, Label, Listing, Mem,
                           Reg, RegList, Shift, Sym)
from synth.errors import NameError_, ParseError

ROOT = Path(__file__).resolve().parents[1]


def one(line: str, isa: str) -> Instruction:
    (item,) = asm.parse(line, isa).items
    return item


def R(name, arrangement=None, lane=None):
    return Reg(name, arrangement, lane)


def V(n, arrangement, lane=None):
    return Reg(f"v{n}", arrangement, lane)


# ---------------------------------------------------------------- exact ASTs, AArch64

AARCH64_OPERANDS = [
    ("ldr w0, [x0]", (R("w0"), Mem(R("x0")))),
    ("ldr x1, [x0, 8]", (R("x1"), Mem(R("x0"), Imm(8)))),
    ("ldr x1, [x0, #8]", (R("x1"), Mem(R("x0"), Imm(8)))),
    ("ldr x1, [x0, #-8]", (R("x1"), Mem(R("x0"), Imm(-8)))),
    ("stp x29, x30, [sp, -16]!", (R("x29"), R("x30"), Mem(R("sp"), Imm(-16), "pre"))),
    ("ldp x29, x30, [sp], 16", (R("x29"), R("x30"), Mem(R("sp"), Imm(16), "post"))),
    ("str q0, [x0], 16", (R("q0"), Mem(R("x0"), Imm(16), "post"))),
    ("ldr x0, [x0, x1, lsl 3]", (R("x0"), Mem(R("x0"), R("x1"), extend=Shift("lsl", 3)))),
    ("ldr w0, [x1, w0, sxtw 2]", (R("w0"), Mem(R("x1"), R("w0"), extend=Shift("sxtw", 2)))),
    ("ldrb w0, [x0,w1,uxtw]", (R("w0"), Mem(R("x0"), R("w1"), extend=Shift("uxtw")))),
    ("ldr q1, [x0, x2]", (R("q1"), Mem(R("x0"), R("x2")))),
    ("ldr d0, [x0, #:lo12:.LC0]", (R("d0"), Mem(R("x0"), Sym(".LC0", reloc="lo12")))),
    ("ldr x0, [x0, :got_lo12:stdout]", (R("x0"), Mem(R("x0"), Sym("stdout", reloc="got_lo12")))),
    ("ldr w1, [x2, #:lo12:.LANCHOR0+12]", (R("w1"), Mem(R("x2"), Sym(".LANCHOR0", 12, "lo12")))),
    ("adrp x0, :got:stdout", (R("x0"), Sym("stdout", reloc="got"))),
    ("adrp x0, .LC0", (R("x0"), Sym(".LC0"))),
    ("add x0, x0, :lo12:.LC0", (R("x0"), R("x0"), Sym(".LC0", reloc="lo12"))),
    ("add x0, x0, #:tprel_hi12:tls, lsl #12",
     (R("x0"), R("x0"), Sym("tls", reloc="tprel_hi12"), Shift("lsl", 12))),
    ("add x0, x1, x2, lsl 3", (R("x0"), R("x1"), R("x2"), Shift("lsl", 3))),
    ("add x0, x1, w2, sxtw", (R("x0"), R("x1"), R("w2"), Shift("sxtw"))),
    ("add x1, x1, w0, sxtb #2", (R("x1"), R("x1"), R("w0"), Shift("sxtb", 2))),
    ("movk x0, 0xbeef, lsl 16", (R("x0"), Imm(0xBEEF), Shift("lsl", 16))),
    ("mov x0, -1", (R("x0"), Imm(-1))),
    ("sub sp, sp, #16", (R("sp"), R("sp"), Imm(16))),
    ("mov w0, 0x10", (R("w0"), Imm(16))),
    ("fmov d0, 1.0e+0", (R("d0"), Imm(1.0))),
    ("fmov s1, -2.5e-1", (R("s1"), Imm(-0.25))),
    ("fcmp d0, #0.0", (R("d0"), Imm(0.0))),
    ("csel w0, w1, w2, lt", (R("w0"), R("w1"), R("w2"), Keyword("lt"))),
    ("cset w0, ne", (R("w0"), Keyword("ne"))),
    ("ccmp w0, 3, 4, ne", (R("w0"), Imm(3), Imm(4), Keyword("ne"))),
    ("fcsel d0, d1, d2, gt", (R("d0"), R("d1"), R("d2"), Keyword("gt"))),
    ("prfm PLDL1KEEP, [x0]", (Keyword("pldl1keep"), Mem(R("x0")))),
    ("dmb ish", (Keyword("ish"),)),
    ("mrs x0, tpidr_el0", (R("x0"), Keyword("tpidr_el0"))),
    ("bl lsl", (Sym("lsl"),)),                       # a function that happens to be named lsl
    ("b.ne .L3", (Sym(".L3"),)),
    ("bl foo.part.0", (Sym("foo.part.0"),)),
    ("b 1f", (Sym("1f"),)),
    ("cbnz w0, 1b", (R("w0"), Sym("1b"))),
    ("tbz x0, 63, .L5", (R("x0"), Imm(63), Sym(".L5"))),
    ("mov x29, sp", (R("x29"), R("sp"))),
    ("cmp wzr, w1", (R("wzr"), R("w1"))),
    ("movi v0.4s, 0", (V(0, "4s"), Imm(0))),
    ("movi v0.2s, #0", (V(0, "2s"), Imm(0))),
    ("movi v1.4s, 0x3f, msl 8", (V(1, "4s"), Imm(0x3F), Shift("msl", 8))),
    ("movi v0.2d, 0xffffffffffffffff", (V(0, "2d"), Imm(2**64 - 1))),
    ("ldr q0, [x1]", (R("q0"), Mem(R("x1")))),
    ("st1 {v0.16b}, [x0]", (RegList((V(0, "16b"),)), Mem(R("x0")))),
    ("ld1 {v0.16b - v3.16b}, [x0]", (RegList(tuple(V(i, "16b") for i in range(4))), Mem(R("x0")))),
    ("st2 {v31.4s - v0.4s}, [x0]", (RegList((V(31, "4s"), V(0, "4s"))), Mem(R("x0")))),
    ("ld2 {v0.4s, v1.4s}, [x1], 32", (RegList((V(0, "4s"), V(1, "4s"))), Mem(R("x1"), Imm(32), "post"))),
    ("ld1 {v0.s}[1], [x0], x2", (RegList((V(0, "s"),), 1), Mem(R("x0"), R("x2"), "post"))),
    ("st1 {v0.s, v1.s}[3], [x0]", (RegList((V(0, "s"), V(1, "s")), 3), Mem(R("x0")))),
    ("tbl v0.16b, {v0.16b}, v1.16b", (V(0, "16b"), RegList((V(0, "16b"),)), V(1, "16b"))),
    ("dup v0.4s, w1", (V(0, "4s"), R("w1"))),
    ("dup v1.4s, v0.s[0]", (V(1, "4s"), V(0, "s", 0))),
    ("ins v0.s[1], w1", (V(0, "s", 1), R("w1"))),
    ("ins v0.d[1], v1.d[0]", (V(0, "d", 1), V(1, "d", 0))),
    ("umov w0, v0.b[3]", (R("w0"), V(0, "b", 3))),
    ("addv s0, v0.4s", (R("s0"), V(0, "4s"))),
    ("fmla v0.4s, v1.4s, v2.s[3]", (V(0, "4s"), V(1, "4s"), V(2, "s", 3))),
    ("ret", ()),
]


@pytest.mark.parametrize("line, operands", AARCH64_OPERANDS, ids=[c[0] for c in AARCH64_OPERANDS])
def test_aarch64_operands(line, operands):
    instr = one("\t" + line + "\n", "aarch64")
    assert instr == Instruction(line.split()[0], operands)
    assert one(asm.format_instruction(instr, "aarch64"), "aarch64") == instr


# ---------------------------------------------------------------- exact ASTs, RISC-V 64

RISCV64_OPERANDS = [
    ("sd ra,8(sp)", (R("ra"), Mem(R("sp"), Imm(8)))),
    ("ld s0,-16(s0)", (R("s0"), Mem(R("s0"), Imm(-16)))),
    ("lw a0,%lo(g)(a5)", (R("a0"), Mem(R("a5"), Sym("g", reloc="lo")))),
    ("lw a0,%lo(g+8)(a5)", (R("a0"), Mem(R("a5"), Sym("g", 8, "lo")))),
    ("amoswap.w zero,a5,(a0)", (R("zero"), R("a5"), Mem(R("a0")))),
    ("amoadd.w.aq a5,a4,0(a0)", (R("a5"), R("a4"), Mem(R("a0"), Imm(0)))),
    ("lui a5,%hi(g)", (R("a5"), Sym("g", reloc="hi"))),
    (".LA0: auipc a0,%pcrel_hi(x)", (R("a0"), Sym("x", reloc="pcrel_hi"))),
    ("addi a0,a0,%pcrel_lo(.LA0)", (R("a0"), R("a0"), Sym(".LA0", reloc="pcrel_lo"))),
    ("ld a0,%pcrel_lo(.LA1+8)(a0)", (R("a0"), Mem(R("a0"), Sym(".LA1", 8, "pcrel_lo")))),
    ("auipc a0,%got_pcrel_hi(stdout)", (R("a0"), Sym("stdout", reloc="got_pcrel_hi"))),
    ("add a5,a5,tp,%tprel_add(tls)", (R("a5"), R("a5"), R("tp"), Sym("tls", reloc="tprel_add"))),
    ("lla a5,.LANCHOR0+8", (R("a5"), Sym(".LANCHOR0", 8))),
    ("la a5,stdout", (R("a5"), Sym("stdout"))),
    ("li a0,-1", (R("a0"), Imm(-1))),
    ("li a0,0x7ff", (R("a0"), Imm(0x7FF))),
    ("mv a5,a0", (R("a5"), R("a0"))),
    ("call printf@plt", (Sym("printf", reloc="plt"),)),
    ("call __divti3", (Sym("__divti3"),)),
    ("tail memset@plt", (Sym("memset", reloc="plt"),)),
    ("j .L3", (Sym(".L3"),)),
    ("jr ra", (R("ra"),)),
    ("ret", ()),
    ("beqz a0,.L2", (R("a0"), Sym(".L2"))),
    ("bnez a4,1b", (R("a4"), Sym("1b"))),
    ("bne a5,a1,1f", (R("a5"), R("a1"), Sym("1f"))),
    ("sext.w a0,a0", (R("a0"), R("a0"))),
    ("neg a0,a1", (R("a0"), R("a1"))),
    ("not a0,a1", (R("a0"), R("a1"))),
    ("seqz a0,a0", (R("a0"), R("a0"))),
    ("snez a0,a0", (R("a0"), R("a0"))),
    ("fmv.d fa0,fs1", (R("fa0"), R("fs1"))),
    ("fld fa0,.LC0,a5", (R("fa0"), Sym(".LC0"), R("a5"))),
    ("fcvt.w.d a0,fa0,rtz", (R("a0"), R("fa0"), Keyword("rtz"))),
    ("fadd.d fa0,fa1,fa2,dyn", (R("fa0"), R("fa1"), R("fa2"), Keyword("dyn"))),
    ("fence iorw,ow", (Keyword("iorw"), Keyword("ow"))),
    ("csrr a0,fcsr", (R("a0"), Keyword("fcsr"))),
    ("add x10,x11,x0", (R("x10"), R("x11"), R("x0"))),
    ("fsd f8,0(x2)", (R("f8"), Mem(R("x2"), Imm(0)))),
    ("bgt a0,t6,rtz", (R("a0"), R("t6"), Sym("rtz"))),   # only f-instructions take a rounding mode
]


@pytest.mark.parametrize("line, operands", RISCV64_OPERANDS, ids=[c[0] for c in RISCV64_OPERANDS])
def test_riscv64_operands(line, operands):
    listing = asm.parse(line + "\n", "riscv64")
    instr = listing.instructions[0]
    assert instr == Instruction(line.split(": ")[-1].split()[0], operands)
    assert one(asm.format_instruction(instr, "riscv64"), "riscv64") == instr


# ---------------------------------------------------------------- lines, labels, directives

def test_lines_labels_directives_and_comments_aarch64():
    text = ("\t.arch armv8-a\n"
            "#APP\n"
            "// 5 \"x.c\" 1\n"
            "\t.string\t\"hi #// ; : \\\"q\\\"\\n\"  // trailing comment\n"
            ".L3:\tadd w0, w0, 1 /* block */ // and line\n"
            "foo.part.0: .Lanchor0:\n"
            "\t.set\t.LANCHOR0,. + 0\n"
            "\tb 1f ; 1: ret\n"
            "\t.cfi_startproc\n")
    listing = asm.parse(text, "aarch64", "x.s")
    assert listing.items == (
        Directive(".arch", "armv8-a"),
        Directive(".string", '"hi #// ; : \\"q\\"\\n"'),
        Label(".L3"), Instruction("add", (R("w0"), R("w0"), Imm(1))),
        Label("foo.part.0"), Label(".Lanchor0"),
        Directive(".set", ".LANCHOR0,. + 0"),
        Instruction("b", (Sym("1f"),)), Label("1"), Instruction("ret"),
        Directive(".cfi_startproc"))
    assert [item.line for item in listing.items] == [1, 4, 5, 5, 6, 6, 7, 8, 8, 8, 9]
    assert listing.file == "x.s"
    assert asm.parse(asm.format(listing), "aarch64") == listing


def test_lines_labels_directives_and_comments_riscv64():
    text = ("\t.attribute arch, \"rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0\"\n"
            "\t.section\t.rodata.str1.8,\"aMS\",@progbits,1   # comment\n"
            ".LC0:\n"
            "\t.string\t\"a # b ; c // d\"\n"
            "cas:\n"
            "\tfence iorw,ow;  1: lr.w.aq a5,0(a0); bne a5,a1,1f; sc.w.aq a4,a2,0(a0); bnez a4,1b; 1:\n"
            "#NO_APP\n")
    listing = asm.parse(text, "riscv64")
    assert listing.items == (
        Directive(".attribute", 'arch, "rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0"'),
        Directive(".section", '.rodata.str1.8,"aMS",@progbits,1'),
        Label(".LC0"), Directive(".string", '"a # b ; c // d"'), Label("cas"),
        Instruction("fence", (Keyword("iorw"), Keyword("ow"))), Label("1"),
        Instruction("lr.w.aq", (R("a5"), Mem(R("a0"), Imm(0)))),
        Instruction("bne", (R("a5"), R("a1"), Sym("1f"))),
        Instruction("sc.w.aq", (R("a4"), R("a2"), Mem(R("a0"), Imm(0)))),
        Instruction("bnez", (R("a4"), Sym("1b"))), Label("1"))
    assert asm.parse(asm.format(listing), "riscv64") == listing


def test_format_writes_gcc_layout():
    listing = asm.parse("main: stp x29,x30,[sp,#-16]!\n .globl  main \n ldr x0,[x1],#8\n", "aarch64")
    assert asm.format(listing) == ("main:\n\tstp\tx29, x30, [sp, -16]!\n\t.globl\tmain\n"
                                   "\tldr\tx0, [x1], 8\n")
    listing = asm.parse("f: sd ra , 8 ( sp )\n call g@plt\n", "riscv64")
    assert asm.format(listing) == "f:\n\tsd\tra,8(sp)\n\tcall\tg@plt\n"
    assert asm.format_instruction(listing.items[1], "riscv64") == "sd ra,8(sp)"


def test_comments_are_written_and_dropped():
    ret = Instruction("ret")
    listing = Listing("aarch64", (Comment("unproved: block 3"), ret))
    assert asm.format(listing) == "\t// unproved: block 3\n\tret\n"
    assert asm.parse(asm.format(listing), "aarch64").items == (ret,)
    listing = Listing("riscv64", (Comment("two\nlines"), ret))
    assert asm.format(listing) == "\t# two\n\t# lines\n\tret\n"
    assert asm.parse(asm.format(listing), "riscv64").items == (ret,)


def test_holes_show_as_question_marks_in_messages():
    instr = Instruction("addi", (R("a0"), R("a0"), Hole("h0")))
    assert asm.format_instruction(instr, "riscv64") == "addi a0,a0,?h0"


def test_integers():
    assert one("mov x0, 0X1F", "aarch64").operands[1] == Imm(31)
    assert one("mov x0, 010", "aarch64").operands[1] == Imm(8)       # GNU as: leading 0 is octal
    assert one("li a0,-0x10", "riscv64").operands[1] == Imm(-16)


def test_detect_isa():
    assert asm.detect_isa("\t.arch armv8-a\n\t.file\t\"t.c\"\n") == "aarch64"
    assert asm.detect_isa('\t.file "t.c"\n\t.option pic\n\t.attribute arch, "rv64i2p1_m2p0"\n') == "riscv64"
    assert asm.detect_isa("\t.text\nmain:\n\tret\n") is None


def test_empty_listing():
    assert asm.parse("", "riscv64") == Listing("riscv64", ())
    assert asm.format(Listing("aarch64", ())) == ""


# ---------------------------------------------------------------- errors

ERRORS = [
    ("aarch64", "\tadd x0, [x1\n", "f.s:1:13: unexpected token; found end of line"),
    ("aarch64", "\tadd x0, @x1\n", "f.s:1:10: unexpected character; found '@'"),
    ("aarch64", "\tadd x0,, x1\n", "f.s:1:9: unexpected token; found ','"),
    ("aarch64", "\tb.ne .L3 .L4\n", "f.s:1:11: unexpected token; found '.L4'"),
    ("aarch64", "\tldr x0, [x1, x2, x3]\n", "f.s:1:10: malformed memory operand"),
    ("aarch64", "\tstr x0, [sp]!\n", "f.s:1:10: malformed memory operand"),
    ("aarch64", "main:\n\tldr x0, [sym]\n",
     "f.s:2:10: a memory operand's base must be a register; found 'sym'"),
    ("aarch64", "\tld1 {x0}, [x1]\n",
     "f.s:1:7: expected a vector register with an arrangement; found 'x0'"),
    ("aarch64", "\tumov w0, x1[1]\n",
     "f.s:1:11: expected a vector register with an arrangement; found 'x1'"),
    ("aarch64", "\tld1 {v0.4s - v2.2d}, [x0]\n",
     "f.s:1:15: a register range needs one arrangement; found 'v2.2d'"),
    ("aarch64", "\tadd x0, x1, foo 3\n",
     "f.s:1:14: unknown shift or extend; found 'foo'; expected one of asr"),
    ("riscv64", "\tlw a0, 8(foo)\n", "f.s:1:11: a memory operand's base must be a register; found 'foo'"),
    ("riscv64", "\tlw a0, 8(a1\n", "f.s:1:13: unexpected token; found end of line"),
    ("riscv64", "\tlw a0, [a1]\n", "f.s:1:9: unexpected character; found '['"),
    ("riscv64", "\n\t.string \"abc\n", "f.s:2:10: unexpected character; found '\"'"),
]


@pytest.mark.parametrize("isa, text, message", ERRORS, ids=[e[1].strip() for e in ERRORS])
def test_errors_say_where_and_what(isa, text, message):
    with pytest.raises(ParseError) as error:
        asm.parse(text, isa, "f.s")
    assert message in str(error.value)


def test_unknown_isa():
    with pytest.raises(NameError_, match="unknown ISA 'x86_64'; expected one of aarch64, riscv64"):
        asm.parse("ret\n", "x86_64")
    with pytest.raises(NameError_, match="unknown ISA 'mips'"):
        asm.format(Listing("mips", ()))


# ---------------------------------------------------------------- random listings round trip

# Symbol names that are neither registers nor keywords nor shifts in any position.
_NAMES = st.one_of(st.from_regex(r"\.L[0-9]{1,4}", fullmatch=True),
                   st.from_regex(r"(fn|g|sym)_[a-z0-9_]{0,6}(\.part\.[0-9])?", fullmatch=True),
                   st.sampled_from([".LC0", ".LANCHOR1", "main", "printf", "__divti3", "CSWTCH.5",
                                    "stdout", "foo.part.0", "c.0"]))
_LOCAL_REFS = st.from_regex(r"[1-9][0-9]?[bf]", fullmatch=True)
_ADDENDS = st.one_of(st.just(0), st.integers(-4096, 4096))
_INTS = st.one_of(st.integers(-4096, 4096), st.integers(-2**63, 2**64 - 1))
_LABELS = st.one_of(_NAMES, st.integers(1, 99).map(str)).map(Label)
_DIRECTIVE_ARGS = st.lists(st.sampled_from(
    ["main", ".-main", "%function", "@function", "4,,11", '"aMS",@progbits,1', "0x10", ". + 0",
     '"hi #// ; : \\"q\\"\\n"', "(.L5 - .Lrtx4) / 4", "arch, \"rv64i2p1_m2p0\"", "3", "-8"]),
    max_size=3).map(", ".join)
_DIRECTIVES = st.builds(Directive, st.sampled_from(
    [".text", ".section", ".globl", ".type", ".size", ".string", ".p2align", ".set", ".word",
     ".cfi_startproc", ".8byte", ".attribute"]), _DIRECTIVE_ARGS)


def _syms(relocs):
    named = st.builds(Sym, _NAMES, _ADDENDS, st.sampled_from((None,) + relocs))
    return st.one_of(named, _LOCAL_REFS.map(Sym))


@st.composite
def _instructions(draw, mnemonics, plain, last, keyword_forms):
    """Either an instruction whose keyword operands sit where the parser expects them, or a
    generic mnemonic over plain operands with an optional final one (a memory operand)."""
    if draw(st.integers(0, 4)) == 0:
        return draw(keyword_forms)
    operands = draw(st.lists(plain, max_size=3))
    operands += draw(st.lists(last, max_size=1))
    return Instruction(draw(st.sampled_from(mnemonics)), tuple(operands))


def _listings(isa, instructions):
    items = st.lists(st.one_of(_LABELS, _DIRECTIVES, instructions), max_size=12)
    return items.map(lambda xs: Listing(isa, tuple(xs)))


# AArch64
_A64_GPR = st.one_of(st.builds(lambda p, n: R(f"{p}{n}"), st.sampled_from("xw"), st.integers(0, 30)),
                     st.sampled_from([R("sp"), R("wsp"), R("xzr"), R("wzr")]))
_A64_FPR = st.builds(lambda p, n: R(f"{p}{n}"), st.sampled_from("bhsdq"), st.integers(0, 31))
_A64_VEC = st.builds(V, st.integers(0, 31),
                     st.sampled_from(["8b", "16b", "4h", "8h", "2s", "4s", "1d", "2d"]))
_A64_LANE = st.builds(V, st.integers(0, 31), st.sampled_from("bhsd"), st.integers(0, 15))
_A64_REGLIST = st.builds(
    lambda first, count, arrangement, lane: RegList(tuple(
        V((first + i) % 32, arrangement if lane is None else arrangement[-1]) for i in range(count)), lane),
    st.integers(0, 31), st.integers(1, 4), st.sampled_from(["16b", "4s", "2d", "8h"]),
    st.one_of(st.none(), st.integers(0, 3)))
_A64_SHIFTS = st.builds(Shift, st.sampled_from(sorted("lsl lsr asr ror msl uxtw sxtw sxtx uxtb".split())),
                        st.one_of(st.none(), st.integers(0, 63)))
_A64_SYMS = _syms(("lo12", "got", "got_lo12", "tprel_hi12", "tprel_lo12_nc", "tlsdesc", "abs_g1_nc"))
_FLOATS = st.floats(allow_nan=False, allow_infinity=False).map(Imm)
_A64_PLAIN = st.one_of(_A64_GPR, _A64_FPR, _A64_VEC, _A64_LANE, _A64_REGLIST, _INTS.map(Imm), _FLOATS,
                       _A64_SYMS)
_X = st.builds(lambda n: R(f"x{n}"), st.integers(0, 30)) | st.just(R("sp"))
_A64_MEM = st.one_of(
    st.builds(Mem, _X),
    st.builds(Mem, _X, st.one_of(_INTS.map(Imm), _A64_SYMS), st.sampled_from(["offset", "pre"])),
    st.builds(Mem, _X, st.one_of(_INTS.map(Imm), _X), st.just("post")),
    st.builds(Mem, _X, _A64_GPR, st.just("offset"),
              st.one_of(st.none(), st.builds(Shift, st.sampled_from(["lsl", "sxtw", "uxtw"]),
                                             st.one_of(st.none(), st.integers(0, 4))))))


@st.composite
def _a64_with_shift(draw):
    # A shift or extend written bare (`sxtw`) follows at least two operands.
    head = draw(st.lists(_A64_PLAIN, min_size=2, max_size=3))
    return Instruction(draw(st.sampled_from(["add", "cmp", "movk", "movi", "sub"])),
                       tuple(head) + (draw(_A64_SHIFTS),))


_A64_KEYWORD_FORMS = st.one_of(
    st.builds(lambda m, regs, c: Instruction(m, tuple(regs) + (Keyword(c),)),
              st.sampled_from(["csel", "csinc", "cset", "ccmp", "fcsel", "cinc"]),
              st.lists(_A64_GPR, min_size=1, max_size=3), st.sampled_from(["eq", "ne", "lt", "hi", "cs"])),
    st.builds(lambda m, k: Instruction(m, (Keyword(k),)), st.sampled_from(["dmb", "dsb"]),
              st.sampled_from(["ish", "ishld", "sy", "oshst"])),
    st.builds(lambda k, mem: Instruction("prfm", (Keyword(k), mem)),
              st.sampled_from(["pldl1keep", "pstl1strm"]), _A64_MEM),
    st.builds(lambda r: Instruction("mrs", (r, Keyword("tpidr_el0"))), _A64_GPR),
    _a64_with_shift())
AARCH64_LISTINGS = _listings("aarch64", _instructions(
    ["add", "ldr", "str", "stp", "ldp", "b", "bl", "b.ne", "adrp", "mov", "fmov", "ld1", "st1",
     "umov", "ins", "dup", "addv", "tbz", "ret", "nop"], _A64_PLAIN, _A64_MEM, _A64_KEYWORD_FORMS))

# RISC-V 64
_RV_ABI = (["zero", "ra", "sp", "gp", "tp", "fp"]
           + [f"{p}{i}" for p, n in [("t", 7), ("s", 12), ("a", 8), ("ft", 12), ("fs", 12), ("fa", 8),
                                    ("x", 32), ("f", 32)] for i in range(n)])
_RV_REG = st.sampled_from(_RV_ABI).map(R)
_RV_SYMS = st.one_of(_syms(("hi", "lo", "pcrel_hi", "pcrel_lo", "got_pcrel_hi", "tprel_hi", "tprel_add")),
                     _NAMES.map(lambda n: Sym(n, reloc="plt")))
_RV_MEM = st.builds(Mem, _RV_REG, st.one_of(
    st.none(), _INTS.map(Imm),
    st.builds(Sym, _NAMES, _ADDENDS, st.sampled_from(["lo", "pcrel_lo", "tprel_lo"]))))
_RV_PLAIN = st.one_of(_RV_REG, _INTS.map(Imm), _RV_SYMS, _RV_MEM)
_RV_KEYWORD_FORMS = st.one_of(
    st.builds(lambda p, s: Instruction("fence", (Keyword(p), Keyword(s))),
              st.sampled_from(["iorw", "rw", "r"]), st.sampled_from(["ow", "iorw", "w"])),
    st.builds(lambda m, a, b, rm: Instruction(m, (a, b, Keyword(rm))),
              st.sampled_from(["fcvt.w.d", "fcvt.l.s", "fadd.d"]), _RV_REG, _RV_REG,
              st.sampled_from(["rne", "rtz", "rdn", "rup", "rmm", "dyn"])),
    st.builds(lambda r, c: Instruction("csrr", (r, Keyword(c))), _RV_REG, st.sampled_from(["fcsr", "frm"])))
RISCV64_LISTINGS = _listings("riscv64", _instructions(
    ["addi", "ld", "sd", "lw", "call", "tail", "j", "jr", "ret", "beqz", "bnez", "li", "la", "lla",
     "mv", "sext.w", "neg", "not", "seqz", "snez", "fmv.d", "fadd.s", "amoadd.w.aqrl", "lr.w.aq",
     "sc.w.rl", "lui", "auipc"], _RV_PLAIN, _RV_PLAIN, _RV_KEYWORD_FORMS))


@settings(max_examples=300, deadline=None)
@given(AARCH64_LISTINGS)
def test_aarch64_round_trip(listing):
    assert asm.parse(asm.format(listing), "aarch64") == listing


@settings(max_examples=300, deadline=None)
@given(RISCV64_LISTINGS)
def test_riscv64_round_trip(listing):
    assert asm.parse(asm.format(listing), "riscv64") == listing


# ---------------------------------------------------------------- gcc output, byte for byte

# Small programs beside the benchmark corpus, for forms it may not reach.
SNIPPETS = {
    "structs_floats": r"""
        #include <stdio.h>
        struct P { int x; short s; char c; double y; float f[4]; struct P *next; };
        struct P gp = {1, 2, 3, 4.5, {1, 2, 3, 4}, 0};
        double gd = 3.25; float gf = 0.1f; long gl = 0x123456789abcdefL;
        double walk(struct P *p, float k) {
            double t = 0;
            while (p) { t += p->y * k + p->f[2] - p->c; p = p->next; }
            return t;
        }
        struct P byval(void) { return gp; }
        int cvt(double d, float f) { return (int)d + (unsigned)f + (long)(d * 1.5) + (d > f); }
        double neg_zero(double x) { return x == 0.0 ? -0.0 : x * 0.25 + 1.0; }
        int main(void) {
            printf("%d %f %s %ld\n", cvt(gd, gf), walk(&gp, 2.0f), "a #// ; : \"q\"", gl);
            return 0;
        }
    """,
    "switch_table": r"""
        int f1(int), f2(int), f3(int);
        int dense(int x) {
            switch (x) {
            case 0: return f1(x); case 1: return f2(x + 1); case 2: return f3(7);
            case 3: return f1(9); case 4: return x * x; case 5: return f2(-x);
            case 6: return 42; case 7: return f3(x); default: return -1;
            }
        }
        const char *name(unsigned x) {
            switch (x) {
            case 0: return "zero"; case 1: return "one"; case 2: return "two";
            case 3: return "three"; default: return "many";
            }
        }
    """,
    "vectorise": r"""
        void vadd(int *restrict a, const int *restrict b, const int *restrict c, int n) {
            for (int i = 0; i < n; i++) a[i] = b[i] + c[i];
        }
        void vadd_alias(int *a, const int *b, const int *c) {
            for (int i = 0; i < 64; i++) a[i] = b[i] + c[i];
        }
        int vsum(const int *a, int n) { int s = 0; for (int i = 0; i < n; i++) s += a[i]; return s; }
        float vdot(const float *a, const float *b) {
            float s = 0;
            for (int i = 0; i < 16; i++) s += a[i] * b[i];
            return s;
        }
        void vsplat(int *a, int x) { for (int i = 0; i < 16; i++) a[i] = x; }
        void vcopy(char *restrict d, const char *restrict s) { for (int i = 0; i < 32; i++) d[i] = s[i]; }
        typedef int v4si __attribute__((vector_size(16)));
        int lanes(v4si v) { return v[1] + v[3]; }
        v4si insert(v4si v, int x) { v[2] = x; return v; }
        v4si shuffle(v4si a, v4si b) { return __builtin_shuffle(a, b, (v4si){0, 4, 1, 5}); }
    """,
    "int128_atomics": r"""
        __int128 mul(__int128 a, __int128 b) { return a * b; }
        __int128 divmod(__int128 a, __int128 b) { return a / b + a % b; }
        unsigned __int128 udiv(unsigned __int128 a, unsigned __int128 b) { return a / b; }
        long long mulhi(long long a, long long b) { return (long long)(((__int128)a * b) >> 64); }
        int fetch_add(int *p) { return __atomic_fetch_add(p, 3, __ATOMIC_SEQ_CST); }
        long exchange(long *p, long v) { return __atomic_exchange_n(p, v, __ATOMIC_ACQUIRE); }
        int cas(int *p, int e, int d) {
            return __atomic_compare_exchange_n(p, &e, d, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        }
        short fetch_add16(short *p) { return __atomic_fetch_add(p, 1, __ATOMIC_RELAXED); }
        void store_fence(int *p) {
            __atomic_store_n(p, 1, __ATOMIC_RELEASE);
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
        }
        int load(int *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
    """,
    "misc": r"""
        #include <stdarg.h>
        #include <string.h>
        #include <stdlib.h>
        #include <stdio.h>
        _Thread_local int tls; extern int ext; static int counter;
        int tls_ext(void) { return ++tls + ext + counter++; }
        int sum(int n, ...) {
            va_list ap; va_start(ap, n);
            int s = 0;
            for (int i = 0; i < n; i++) s += va_arg(ap, int);
            va_end(ap);
            return s;
        }
        long double ld(long double a, long double b) { return a * b + 1.0L; }
        int computed_goto(int x) {
            static void *t[] = {&&a, &&b, &&c};
            goto *t[x]; a: return 1; b: return 2; c: return 7;
        }
        struct bf { unsigned a : 3, b : 5; int c : 7; } gbf;
        int bits(struct bf *p) { p->b = 9; return p->a + p->c; }
        void prefetch_trap(int *p) {
            __builtin_prefetch(p); __builtin_prefetch(p + 16, 1, 0);
            if (!p) __builtin_trap();
        }
        int popcount(unsigned x) {
            return __builtin_popcount(x) + __builtin_clz(x | 1) + __builtin_ctz(x | 1);
        }
        char *dup(const char *s) {
            size_t n = strlen(s); char *d = malloc(n + 1);
            memcpy(d, s, n + 1);
            return d;
        }
        void say(void) { fputs("y\n", stdout); fprintf(stderr, "%d\n", counter); }
        unsigned long long big(void) { return 0xdeadbeefcafebabeULL; }
    """,
    "neon": r"""
        #ifdef __aarch64__
        #include <arm_neon.h>
        void add3(uint8_t *d, const uint8_t *s) { vst1q_u8(d, vaddq_u8(vld1q_u8(s), vdupq_n_u8(3))); }
        void deinterleave(float *d, const float *s) { vst2q_f32(d, vld2q_f32(s)); }
        void four(uint8_t *d, const uint8_t *s) { vst4q_u8(d, vld4q_u8(s)); }
        uint32_t across(uint32x4_t v) { return vaddvq_u32(v) + vgetq_lane_u32(v, 1); }
        uint32x4_t set_lane(uint32x4_t v, uint32_t x) { return vsetq_lane_u32(x, v, 2); }
        float32x4_t fma_lane(float32x4_t a, float32x4_t b) { return vfmaq_laneq_f32(a, b, a, 3); }
        uint8x8_t table(uint8x16x2_t t, uint8x8_t i) { return vqtbl2_u8(t, i); }
        uint32x4_t load_lane(const uint32_t *p, uint32x4_t v) { return vld1q_lane_u32(p, v, 1); }
        void store_lane(uint32_t *p, uint32x4_t v) { vst1q_lane_u32(p, v, 3); }
        uint64x2_t splat64(void) { return vdupq_n_u64(0xff00ff00ff00ff00ull); }
        uint32x4_t orr(uint32x4_t a) { return vorrq_u32(a, vdupq_n_u32(0x00ff0000)); }
        #endif
        int nothing_here(void) { return 0; }
    """,
}

TOOLS = {"aarch64": "aarch64-linux-gnu-gcc", "riscv64": "riscv64-linux-gnu-gcc"}
LEVELS = ["-O0", "-O1", "-O2", "-Os"]
CORPUS = sorted((ROOT / "benchmarks" / "transpile" / "corpus").glob("*.c"))


def _run(args, cwd=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True)


def _round_trip_one(gcc: str, isa: str, source: Path, flags: list[str], work: Path) -> str | None:
    """None if gcc's listing parses and its formatting assembles to the same object; else why."""
    what = f"{source.name} {' '.join(flags)}"
    work.mkdir(parents=True)
    original, formatted = work / "a" / "x.s", work / "b" / "x.s"
    original.parent.mkdir(), formatted.parent.mkdir()
    done = _run([gcc, "-S", *flags, str(source), "-o", str(original)])
    if done.returncode:
        return f"{what}: gcc failed: {done.stderr[-500:]}"
    text = original.read_text()
    try:
        listing = asm.parse(text, isa, str(original))
    except ParseError as e:
        return f"{what}: {e}"
    formatted.write_text(asm.format(listing))
    # The driver assembles with the flags gcc itself passes to as (-march, -mabi, -fpic).
    for path in (original, formatted):
        done = _run([gcc, "-c", "x.s", "-o", "x.o"], cwd=path.parent)
        if done.returncode:
            return f"{what}: {path.parent.name}: as failed: {done.stderr[-500:]}"
    if (original.parent / "x.o").read_bytes() != (formatted.parent / "x.o").read_bytes():
        dumps = [_run([gcc.replace("gcc", "objdump"), "-dr", "-s", "x.o"], cwd=p.parent).stdout.splitlines()
                 for p in (original, formatted)]
        diff = [f"{a!r} != {b!r}" for a, b in zip(*dumps) if a != b][:3]
        return f"{what}: objects differ: {diff}"
    return None


@pytest.mark.parametrize("isa", ["aarch64", "riscv64"])
def test_gcc_output_assembles_to_the_same_bytes(isa, tmp_path):
    """Every .s file of the benchmark corpus (and the snippets above) at -O0/-O1/-O2/-Os parses,
    and formats back to text that assembles to a byte-identical object file."""
    gcc = TOOLS[isa]
    if not shutil.which(gcc):
        pytest.skip(f"{gcc} is not installed")
    snippet_dir = tmp_path / "snippets"
    snippet_dir.mkdir()
    sources = list(CORPUS)
    for name, code in SNIPPETS.items():
        (snippet_dir / f"{name}.c").write_text(code)
        sources.append(snippet_dir / f"{name}.c")
    jobs = [(source, [level]) for source in sources for level in LEVELS]
    jobs += [(snippet_dir / f"{name}.c", ["-O2", "-fPIC"]) for name in SNIPPETS]
    # Processes, not threads: parsing is pure Python and would hold the GIL.
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failures = [f for f in pool.map(_round_trip_one, [gcc] * len(jobs), [isa] * len(jobs),
                                        *zip(*jobs), [tmp_path / "work" / str(i) for i in range(len(jobs))],
                                        chunksize=4) if f]
    assert not failures, f"{len(failures)} of {len(jobs)} listings failed:\n" + "\n".join(failures[:10])
