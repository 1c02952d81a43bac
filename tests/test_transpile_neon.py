"""NEON (Advanced SIMD) from AArch64 to rv64gc: lanes lowered to scalar code, proved by Z3
block by block with the upper halves of v registers owed like any register, and a vectorised
C loop transpiled and run end to end."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from synth.cli import EXIT_UNPROVED, main
from synth.dsl.asm import parse
from synth.dsl.asm.syntax import format as format_listing
from synth.sketch.answers import Counterexample, Proved, Unknown
from synth.transpile import cfg
from synth.transpile.aarch64 import SEMANTICS as A64
from synth.transpile.aarch64_to_riscv64 import AArch64ToRiscv64
from synth.transpile.guess import RegisterMap
from synth.transpile.pipeline import Transpiler
from synth.transpile.riscv64 import SEMANTICS as RV
from synth.transpile.verify import Obligation, Upper, check_block
from tests.test_guess_aarch64_riscv64 import asm, guess, translate


def listing(body: str) -> str:
    return (f"\t.text\n\t.align\t2\n\t.global\tf\n\t.type\tf, %function\nf:\n{body.strip(chr(10))}\n"
            "\t.size\tf, .-f\n")


def report(body: str):
    """The pipeline's report (guess, liveness, Z3 per block; no sketch) for one function, with
    a generous wall-clock limit so that a loaded machine still proves what it proves."""
    parsed = parse(listing(body), "aarch64", "t.s")
    return Transpiler(parsed, AArch64ToRiscv64(parsed), A64, RV, use_sketch=False,
                      timeout_ms=120_000).translate()[1]


def test_lane_add_moves_halves_through_integer_registers():
    lines = translate("\tldr\tq1, [x1]\n\tldr\tq2, [x2]\n\tadd\tv0.4s, v1.4s, v2.4s\n"
                      "\tstr\tq0, [x0]\n\tret")
    assert lines[4:15] == asm("""
fmv.x.d t5,fa1
fmv.x.d t6,fa2
addw t5,t5,t6
slli t5,t5,32
srli t5,t5,32
fmv.x.d t6,fa1
srli t6,t6,32
fmv.x.d t1,fa2
srli t1,t1,32
addw t6,t6,t1
slli t6,t6,32""")
    assert lines[15:17] == asm("or t5,t5,t6\nfmv.d.x fa0,t5")


def test_a_constant_register_keeps_both_halves_in_one_fp_register():
    # every write of v1 replicates one pattern: its upper half is its lower half's register
    lines = translate("\tmvni\tv1.4s, 0x3\n\tstr\tq1, [x0]\n\tret")
    assert lines[:4] == asm("li t5,-12884901892\nfmv.d.x fa1,t5\nfsd fa1,0(a0)\nfsd fa1,8(a0)")
    # loaded elsewhere, it is no constant: two registers
    lines = translate("\tmvni\tv1.4s, 0x3\n\tcbz\tx1, .L2\n\tldr\tq1, [x1]\n.L2:\n\tstr\tq1, [x0]\n\tret")
    assert lines[:3] == asm("li t5,-12884901892\nfmv.d.x fa1,t5\nfmv.d.x ft0,t5")


def test_a_64_bit_form_zeroes_the_upper_half_only_where_it_is_read():
    read = translate("\tmovi\tv1.2s, 0x5\n\tstr\tq1, [x0]\n\tret")
    unread = translate("\tmovi\tv1.2s, 0x5\n\tstr\td1, [x0]\n\tret")
    assert "fmv.d.x ft0,zero" in read and not any("zero" in line for line in unread)


# Each body loads its operands from memory and stores its results, so memory carries every
# lane to the verifier (and the upper halves of q results are compared through it).
PROVED = {
    "add/sub/mul of words": "add v0.4s, v1.4s, v2.4s; sub v3.4s, v1.4s, v0.4s; mul v3.4s, v3.4s, v2.4s",
    "bytes and halfwords": "add v0.16b, v1.16b, v2.16b; sub v3.8h, v1.8h, v2.8h",
    "mla and mls": "mla v3.4s, v1.4s, v2.4s; mls v0.4s, v1.4s, v2.4s",
    "shifts": "shl v0.4s, v1.4s, 3; sshr v3.4s, v2.4s, 4; ushr v2.8h, v2.8h, 1",
    "shifts by a whole lane": "ushr v0.2d, v1.2d, 64; sshr v3.2d, v2.2d, 64; ushr v1.4s, v1.4s, 32",
    "compares with zero": "cmeq v0.4s, v1.4s, #0; cmlt v3.4s, v2.4s, #0",
    "bitwise and bsl": "and v0.16b, v1.16b, v2.16b; eor v3.16b, v3.16b, v1.16b; bsl v3.16b, v1.16b, v2.16b",
    "widening": "sxtl v0.4s, v1.4h; uxtl2 v3.8h, v2.16b",
    "saddw2 and uaddw": "saddw2 v0.2d, v0.2d, v1.4s; uaddw v3.2d, v3.2d, v2.2s",
    "smull, smull2 and smlal": "smull v0.2d, v1.2s, v2.2s; smull2 v3.2d, v1.4s, v2.4s; "
                               "smlal v3.2d, v1.2s, v2.2s",
    "unzip": "uzp1 v0.4s, v1.4s, v2.4s; uzp2 v3.8h, v1.8h, v2.8h",
    "narrow": "xtn v0.8b, v1.8h",
    "pairs and across": "addp d0, v1.2d; addv s3, v2.4s",
    "constants and dup": "movi v0.4s, 0x4; mvni v3.8h, 0x12, lsl 8; dup v1.4s, w4; dup v2.2s, v1.s[1]",
    "signed compares of words": "cmgt v0.4s, v1.4s, v2.4s; cmle v1.4s, v2.4s, #0",
    "signed compare of halfwords": "cmge v3.8h, v1.8h, v2.8h",
    "unsigned compares": "cmhs v0.8h, v1.8h, v2.8h; cmhi v3.4s, v1.4s, v2.4s",
    "zip and trn": "zip1 v0.4s, v1.4s, v2.4s; zip2 v3.8h, v1.8h, v2.8h; trn1 v1.16b, v2.16b, v3.16b; "
                   "trn2 v2.4s, v0.4s, v3.4s",
    "shifted widening": "sshll2 v0.4s, v1.8h, 3; ushll v3.2d, v2.2s, 7",
    "neg, bic, orn, not": "neg v0.4s, v1.4s; bic v3.16b, v1.16b, v2.16b; orn v1.16b, v2.16b, v3.16b; "
                          "not v2.16b, v0.16b",
    "xtn2 and addp of vectors": "xtn v0.4h, v1.4s; xtn2 v0.8h, v2.4s; addp v3.4s, v1.4s, v2.4s",
    "uaddl, usubw, smlsl2": "uaddl v0.8h, v1.8b, v2.8b; usubw v3.4s, v3.4s, v2.4h; smlsl2 v1.4s, v2.8h, v0.8h",
}


@pytest.mark.parametrize("name", sorted(PROVED))
def test_neon_block_is_proved(name):
    body = ("\tldr\tq1, [x1]\n\tldr\tq2, [x2]\n\tldr\tq0, [x0]\n\tldr\tq3, [x3]\n\t"
            + PROVED[name].replace("; ", "\n\t") + "\n\tstp\tq0, q1, [x0]\n\tstp\tq2, q3, [x3]\n\tret")
    blocks = report(body).blocks
    assert [b.status for b in blocks] == ["proved"], [b.evidence for b in blocks]


def test_a_vector_live_around_a_loop_is_related_in_both_halves():
    # v1 crosses the loop's back edge whole: its upper half is owed in its own register.
    body = """\tldr\tq1, [x1]
\tmov\tx2, 0
.L2:
\tadd\tv1.4s, v1.4s, v1.4s
\tadd\tx2, x2, 1
\tcmp\tx2, 4
\tbne\t.L2
\tstr\tq1, [x0]
\tret"""
    guesser, function, _ = guess(body)
    assert "v1" in guesser.register_map(function).upper
    assert [b.status for b in report(body).blocks] == ["proved"] * 3


def test_a_constant_live_around_a_loop_shares_one_register_and_is_proved():
    body = """\tmovi\tv7.4s, 0x4
\tldr\tq1, [x1]
\tmov\tx2, 0
.L2:
\tadd\tv1.4s, v1.4s, v7.4s
\tadd\tx2, x2, 1
\tcmp\tx2, 4
\tbne\t.L2
\tstr\tq1, [x0]
\tret"""
    guesser, function, _ = guess(body)
    regs = guesser.register_map(function)
    assert regs.upper["v7"] == regs.registers["v7"] and regs.upper["v1"] != regs.registers["v1"]
    assert [b.status for b in report(body).blocks] == ["proved"] * 3


def test_one_register_for_both_halves_is_refuted_where_they_differ():
    block = lambda text, isa: parse(text + "\n", isa).instructions
    out = [Obligation("v7", "f17", 64), Obligation(Upper("v7"), "f17", 64)]
    loaded = check_block(A64, RV, block("ldr q7, [x1]", "aarch64"), block("fld fa7, 0(a1)", "riscv64"),
                         {"x1": ("x11", 64)}, out)
    assert isinstance(loaded, Counterexample) and "v7[127:64]/f17" in loaded.describe()
    constant = check_block(A64, RV, block("movi v7.4s, 4", "aarch64"),
                           parse("li t5, 17179869188\nfmv.d.x fa7, t5\n", "riscv64").instructions, {}, out)
    assert isinstance(constant, Proved)


def _lanes(rv: str, out: list[Obligation]):
    block = lambda text, isa: parse(text.replace("; ", "\n") + "\n", isa).instructions
    live_in = {"v1": ("f11", 64), Upper("v1"): ("f0", 64), "v2": ("f12", 64), Upper("v2"): ("f1", 64)}
    return check_block(A64, RV, block("add v0.4s, v1.4s, v2.4s", "aarch64"), block(rv, "riscv64"),
                       live_in, out)


LOW = ("fmv.x.d t5, fa1; fmv.x.d t6, fa2; addw t5, t5, t6; slli t5, t5, 32; srli t5, t5, 32; "
       "fmv.x.d t6, fa1; srli t6, t6, 32; fmv.x.d t1, fa2; srli t1, t1, 32; addw t6, t6, t1; "
       "slli t6, t6, 32; or t5, t5, t6; fmv.d.x fa0, t5")


def test_the_upper_half_is_owed_not_dropped():
    out = [Obligation("v0", "f10", 64), Obligation(Upper("v0"), "f2", 64)]
    high = LOW.replace("fa1", "ft0").replace("fa2", "ft1").replace("fa0", "ft2")
    assert isinstance(_lanes(LOW + "; " + high, out), Proved)
    # the low half alone is right in the low half, and refuted in the upper one
    answer = _lanes(LOW, out)
    assert isinstance(answer, Counterexample) and "v0[127:64]/f2" in answer.describe()
    # a whole 64-bit add carries between the lanes
    carry = _lanes("fmv.x.d t5, fa1; fmv.x.d t6, fa2; add t5, t5, t6; fmv.d.x fa0, t5",
                   [Obligation("v0", "f10", 64)])
    assert isinstance(carry, Counterexample)


def test_an_upper_half_without_a_target_register_is_unknown():
    text = listing("\tldr\tq1, [x1]\n.L2:\n\tstr\tq1, [x0]\n\tret")
    parsed = parse(text, "aarch64", "t.s")
    transpiler = Transpiler(parsed, AArch64ToRiscv64(parsed), A64, RV)
    function = cfg.program(parsed).functions[0]
    regs = RegisterMap({"v1": "f11", "x0": "x10", "x1": "x11", "sp": "x2", "x30": "x1"})
    relation = transpiler.relation(function, function.blocks[1], regs, {"v1": 128, "x0": 64}, {})
    assert isinstance(relation, Unknown) and "upper half of v1" in relation.reason
    # and where it has one, the relation holds it
    regs = RegisterMap(regs.registers, upper={"v1": "f0"})
    entry, _ = transpiler.relation(function, function.blocks[1], regs, {"v1": 128, "x0": 64}, {})
    assert entry[Upper("v1")] == ("f0", 64, None)


VECTORISED = """#include <stdio.h>
int a[64];
short b[64];
int main(void) {
    for (int i = 0; i < 64; i++) { a[i] = 3 * i - 70; b[i] = (short)(5 * i); }
    long s = 0;
    for (int i = 0; i < 64; i++) s += (long)a[i] * b[i];
    printf("%ld\\n", s);
    return 0;
}
"""


@pytest.mark.skipif(any(shutil.which(t) is None for t in ("aarch64-linux-gnu-gcc", "riscv64-linux-gnu-gcc",
                                                          "qemu-aarch64", "qemu-riscv64")),
                    reason="cross compilers or qemu-user missing")
def test_a_vectorised_loop_transpiles_proved_and_runs(capsys, tmp_path):
    c, s = tmp_path / "v.c", tmp_path / "v.s"
    c.write_text(VECTORISED)
    subprocess.run(["aarch64-linux-gnu-gcc", "-march=armv8-a", "-O2", "-S", "-o", str(s), str(c)], check=True)
    assert "smlal2" in s.read_text()          # gcc did vectorise it
    code = main(["transpile", str(s), "--from", "aarch64", "--to", "riscv64", "-o", str(tmp_path / "o.s"), "--run"])
    out, err = capsys.readouterr()
    assert code == 0, (out, err)
    assert "6 blocks, 6 proved" in out and "run: same output" in out


def test_fp_arguments_of_an_unknown_callee_are_owed_at_64_bits():
    # a call through a register may read every argument register; an FP argument is a float
    # or a double (abi fp_arg_bits), so no upper half is owed and the block is proved
    assert [b.status for b in report("\tldr\td0, [x1]\n\tblr\tx2\n\tret").blocks] == ["proved", "proved"]


def many_vectors() -> str:
    """main keeps v16-v31 (32 register halves) live around a loop, more than RISC-V's free FP
    registers hold: some go to the spill area. It prints the sum of their lanes."""
    words = ", ".join(str(3 * k - 50) for k in range(64))
    loads = "".join(f"\tldr\tq{16 + k}, [x0, {16 * k}]\n" for k in range(16))
    adds = "".join(f"\tadd\tv{16 + k}.4s, v{16 + k}.4s, v{16 + (k + 1) % 16}.4s\n" for k in range(16))
    total = "".join(f"\tadd\tv0.4s, v0.4s, v{16 + k}.4s\n" for k in range(1, 16))
    return f"""\t.text
\t.section\t.rodata
\t.align\t4
.LC0:
\t.word\t{words}
.LC1:
\t.string\t"%lx %lx\\n"
\t.text
\t.align\t2
\t.global\tmain
\t.type\tmain, %function
main:
\tstp\tx29, x30, [sp, -32]!
\tmov\tx29, sp
\tadrp\tx0, .LC0
\tadd\tx0, x0, :lo12:.LC0
{loads}\tmov\tw1, 0
.L2:
{adds}\tadd\tw1, w1, 1
\tcmp\tw1, 3
\tbne\t.L2
\tmov\tv0.16b, v16.16b
{total}\tstr\tq0, [sp, 16]
\tldp\tx1, x2, [sp, 16]
\tadrp\tx0, .LC1
\tadd\tx0, x0, :lo12:.LC1
\tbl\tprintf
\tmov\tw0, 0
\tldp\tx29, x30, [sp], 32
\tret
\t.size\tmain, .-main
"""


def test_v_registers_beyond_the_fp_registers_spill_and_their_blocks_are_unknown():
    parsed = parse(many_vectors(), "aarch64", "t.s")
    guesser = AArch64ToRiscv64(parsed)
    function = cfg.program(parsed).functions[0]
    regs = guesser.register_map(function)
    assert regs.spilled and set(regs.spilled) <= {f"v{k}" for k in range(16, 32)}
    assert sorted(regs.spilled.values()) == [16 * k for k in range(len(regs.spilled))]
    listing_, rep = Transpiler(parsed, guesser, A64, RV, use_sketch=False, timeout_ms=20_000).translate()
    # the blocks naming a spilled register are not claimed proved; the one after the call
    # (mov w0, 0; ldp; ret) touches none and is
    assert [b.status for b in rep.blocks] == ["unknown"] * 3 + ["proved"], [b.evidence for b in rep.blocks]
    assert all(b.evidence.startswith("unknown: spill slots not modelled by the verifier (v")
               for b in rep.blocks[:3]), [b.evidence for b in rep.blocks]
    text = format_listing(listing_)
    assert ".Lspill.main:" in text and f".zero\t{16 * len(regs.spilled)}" in text


@pytest.mark.skipif(any(shutil.which(t) is None for t in ("riscv64-linux-gnu-gcc", "qemu-aarch64", "qemu-riscv64")),
                    reason="cross compilers or qemu-user missing")
def test_spilled_v_registers_run_with_the_same_output(capsys, tmp_path):
    s = tmp_path / "many.s"
    s.write_text(many_vectors())
    code = main(["transpile", str(s), "--from", "aarch64", "--to", "riscv64", "-o", str(tmp_path / "o.s"), "--run"])
    out, err = capsys.readouterr()
    assert code == EXIT_UNPROVED, (out, err)       # written and run, honestly not all proved
    assert "4 blocks, 1 proved, 3 unknown, 0 failed; run: same output" in out


def test_a_block_carrying_a_spilled_half_is_unknown_and_one_carrying_none_is_verified():
    parsed = parse(listing("\tldr\tq1, [x1]\n.L2:\n\tadd\tx0, x0, 1\n\tret"), "aarch64", "t.s")
    transpiler = Transpiler(parsed, AArch64ToRiscv64(parsed), A64, RV)
    block = cfg.program(parsed).functions[0].blocks[1]
    function = cfg.program(parsed).functions[0]
    fixed = {"v1": "f11", "x0": "x10", "x1": "x11", "sp": "x2", "x30": "x1"}
    # v20 wholly in its slot (a temporary), v1's upper half in its slot (v1's low half is fixed)
    regs = RegisterMap(fixed, spilled={"v20": 0, "v1": 16})
    for live_in in ({"v20": 64, "x0": 64}, {"v1": 128, "x0": 64}):
        relation = transpiler.relation(function, block, regs, live_in, {})
        assert isinstance(relation, Unknown), live_in
        assert relation.reason == f"spill slots not modelled by the verifier ({sorted(live_in)[0]})"
    entry, _ = transpiler.relation(function, block, regs, {"v1": 64, "x0": 64}, {})
    assert entry["v1"] == ("f11", 64, None)
