"""Block equivalence under a register map: proofs, counterexamples, widths, branches, calls."""

from synth.dsl.asm import parse
from synth.sketch.answers import Counterexample, Proved, Unknown
from synth.transpile import cfg, dataflow
from synth.transpile.aarch64 import SEMANTICS as A64
from synth.transpile.riscv64 import SEMANTICS as RV
from synth.transpile.verify import Obligation, check_block

MAP = {"x0": "x10", "x1": "x11", "x2": "x12", "sp": "x2", "x29": "x8", "x30": "x1"}


def block(text, isa):
    return parse(text.replace(";", "\n") + "\n", isa).instructions


def check(a64, rv, live_in, live_out):
    entry = {r: (MAP[r], bits) for r, bits in live_in.items()}
    out = [Obligation(r, MAP[r], bits) for r, bits in live_out.items()]
    return check_block(A64, RV, block(a64, "aarch64"), block(rv, "riscv64"), entry, out)


def test_addw_matches_a_w_add_in_the_bits_the_source_reads():
    assert isinstance(check("add w0, w0, 1", "addiw a0, a0, 1", {"x0": 32}, {"x0": 32}), Proved)


def test_but_not_in_all_64_bits_where_aarch64_zero_extends():
    answer = check("add w0, w0, 1", "addiw a0, a0, 1", {"x0": 32}, {"x0": 64})
    assert isinstance(answer, Counterexample)
    assert "x0/x10 (64 bits)" in answer.describe()


def test_a_zero_extending_load_needs_lwu_when_all_bits_are_live():
    assert isinstance(check("ldr w0, [sp, 28]", "lw a0, 28(sp)", {"sp": 64}, {"x0": 64}), Counterexample)
    assert isinstance(check("ldr w0, [sp, 28]", "lwu a0, 28(sp)", {"sp": 64}, {"x0": 64}), Proved)


def test_stack_frames_must_store_the_same_bytes():
    a64 = "stp x29, x30, [sp, -32]!"
    good = "addi sp, sp, -32; sd s0, 0(sp); sd ra, 8(sp)"
    swapped = "addi sp, sp, -32; sd ra, 0(sp); sd s0, 8(sp)"
    live = {"sp": 64, "x29": 64, "x30": 64}
    assert isinstance(check(a64, good, live, live), Proved)
    assert isinstance(check(a64, swapped, live, live), Counterexample)


def test_a_32_bit_compare_needs_sign_extended_operands():
    a64 = "cmp w0, w1; b.lt .L3"
    live = {"x0": 32, "x1": 32}
    assert isinstance(check(a64, "blt a0, a1, .L3", live, {}), Counterexample)
    assert isinstance(check(a64, "sext.w t0, a0; sext.w t1, a1; blt t0, t1, .L3", live, {}), Proved)


def test_branch_targets_must_agree():
    answer = check("cbz x0, .L3", "beqz a0, .L4", {"x0": 64}, {})
    assert isinstance(answer, Counterexample) and "branch target" in answer.describe()


def test_an_instruction_without_semantics_is_unknown_not_failed():
    answer = check_block(A64, RV, block("add x0, x0, 1", "aarch64"),
                         block("addi a0, a0, 1; fence.i", "riscv64"),
                         {"x0": ("x10", 64)}, [Obligation("x0", "x10", 64)])
    assert isinstance(answer, (Unknown, Proved))   # fence.i: modelled or reported unknown, never failed


def test_liveness_reads_widths_from_the_semantics():
    listing = parse("f:\n  add w0, w0, 1\n  cmp w0, 3\n  b.gt .L2\n  mov x1, x0\n.L2:\n  ret\n", "aarch64")
    blocks = cfg.blocks("f", list(listing.items[1:]), "aarch64")
    live_in, live_out = dataflow.liveness(blocks, A64, lambda e, b: {}, lambda b: {"x1": 64}, set())
    assert [b.name for b in blocks] == ["f", "#1", ".L2"]
    assert live_out[0] == {"x0": 64, "x1": 64}      # the mov on one path reads all of x0...
    assert live_in[0] == {"x0": 32, "x1": 64}       # ...which the add rewrites from its low half
    assert live_in[2] == {"x1": 64}
