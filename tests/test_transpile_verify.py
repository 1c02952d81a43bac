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
    live_in, live_out = dataflow.liveness(blocks, A64, lambda e, b: {}, lambda b: {"x1": 64}, lambda e: set())
    assert [b.name for b in blocks] == ["f", "#1", ".L2"]
    assert live_out[0] == {"x0": 64, "x1": 64}      # the mov on one path reads all of x0...
    assert live_in[0] == {"x0": 32, "x1": 64}       # ...which the add rewrites from its low half
    assert live_in[2] == {"x1": 64}


# gcc's IPA-RA: main keeps 7 in w9, caller-saved, across the call to inc, which it knows leaves
# x9 alone, and reads it after the call.
KEPT_ACROSS_A_CALL = """\
\t.text
\t.global\tinc
\t.type\tinc, %function
inc:
\tadd\tw0, w0, 1
\tret
\t.size\tinc, .-inc
\t.global\tmain
\t.type\tmain, %function
main:
\tstp\tx29, x30, [sp, -16]!
\tmov\tx29, sp
\tmov\tw9, 7
\tmov\tw0, 1
\tbl\tinc
\tadd\tw0, w0, w9
\tldp\tx29, x30, [sp], 16
\tret
\t.size\tmain, .-main
"""


def test_a_register_the_callee_leaves_alone_is_owed_across_the_call():
    from dataclasses import replace

    from synth.dsl.asm import format_instruction
    from synth.dsl.asm.ast import Imm
    from synth.transpile import guesser, semantics
    from synth.transpile.pipeline import Transpiler
    listing = parse(KEPT_ACROSS_A_CALL, "aarch64")
    t = Transpiler(listing, guesser("aarch64", "riscv64", listing), semantics("aarch64"), semantics("riscv64"))
    t.settle_demands()
    assert t.written() == {"inc": {"x0"}, "main": {"x0", "x9", "x29", "x30", "sp"}}
    main = t.functions["main"]
    regs = t.guesser.register_map(main)
    live_in, live_out = t.liveness(main)
    assert live_out[0]["x9"] == 32 and live_in[1]["x9"] == 32
    call = main.blocks[0]
    entry, out = t.relation(main, call, regs, live_in[0], live_out[0])
    target = tuple(g.instruction for g in t.guesser.block(main, call, regs).instructions)
    assert format_instruction(target[4], "riscv64") == "li t1,7"
    answer = check_block(A64, RV, call.instructions, target, entry, out)
    assert isinstance(answer, Proved)
    wrong = target[:4] + (replace(target[4], operands=(target[4].operands[0], Imm(8))),) + target[5:]
    answer = check_block(A64, RV, call.instructions, wrong, entry, out)   # proved while the call
    assert isinstance(answer, Counterexample)                               # ended x9 for liveness
    assert "x9/x6 (32 bits)" in answer.describe()


# main reads fa0 after calling step4, which leaves it alone, as do step3, step2 and step1: what
# main reads is owed by each of them in turn, and each one's debt is known only once the next
# one's entry demand is.
CHAIN = "\t.text\n" + "".join(f"""\
\t.globl\tstep{k}
\t.type\tstep{k}, @function
step{k}:
\tret
\t.size\tstep{k}, .-step{k}
""" for k in range(1, 5)) + """\
\t.globl\tmain
\t.type\tmain, @function
main:
\taddi\tsp,sp,-16
\tsd\tra,8(sp)
\tcall\tstep1
\tcall\tstep2
\tcall\tstep3
\tcall\tstep4
\tfsd\tfa0,0(sp)
\tli\ta0,0
\tld\tra,8(sp)
\taddi\tsp,sp,16
\tjr\tra
\t.size\tmain, .-main
"""


def test_what_a_caller_reads_after_a_call_is_owed_down_a_chain_of_calls():
    from synth.transpile import guesser, semantics
    from synth.transpile.pipeline import Transpiler
    listing = parse(CHAIN, "riscv64")
    t = Transpiler(listing, guesser("riscv64", "aarch64", listing), semantics("riscv64"), semantics("aarch64"))
    t.settle_demands()
    assert t.result_demand == {f"step{k}": {"f10": 64} for k in range(1, 5)}
    _, live_out = t.liveness(t.functions["step1"])
    assert live_out[0]["f10"] == 64     # so step1's return is checked for what step2 passes on


TAIL_CALL = """\
\t.text
\t.globl\tinner
\t.type\tinner, @function
inner:
\taddi\ta0,a0,1
\tret
\t.size\tinner, .-inner
\t.globl\touter
\t.type\touter, @function
outer:
\ttail\tinner
\t.size\touter, .-outer
\t.globl\tmain
\t.type\tmain, @function
main:
\taddi\tsp,sp,-16
\tsd\tra,8(sp)
\tcall\touter
\tsd\ta0,0(sp)
\tli\ta0,0
\tld\tra,8(sp)
\taddi\tsp,sp,16
\tjr\tra
\t.size\tmain, .-main
"""


def test_a_tail_called_function_owes_its_results_to_the_callers_of_the_function_it_ends():
    from synth.transpile import guesser, semantics
    from synth.transpile.pipeline import Transpiler
    listing = parse(TAIL_CALL, "riscv64")
    t = Transpiler(listing, guesser("riscv64", "aarch64", listing), semantics("riscv64"), semantics("aarch64"))
    t.settle_demands()
    assert t.result_demand["outer"] == {"x10": 64, "f10": 64}
    assert t.result_demand["inner"] == {"x10": 64, "f10": 64}
    assert t.written()["outer"] == {"x1", "x10"}      # inner's writes, and the link register


def test_an_aarch64_target_may_not_base_an_access_on_a_misaligned_sp():
    # A leaf function's frame, and the same frame 12 bytes down (every address the same): qemu-user
    # runs both alike, but AArch64 Linux faults on an sp-based access while sp is not a multiple
    # of 16; CEGIS filled t3_conversions' frames that way when nothing said so.
    source = block("addi sp, sp, -32; sd s0, 24(sp); addi s0, sp, 32; sd a0, -24(s0); ld a0, -24(s0); "
                   "ld s0, 24(sp); addi sp, sp, 32", "riscv64")
    frame = ("sub sp, sp, {n}; str x29, [sp, {k}]; add x29, sp, {n}; stur x0, [x29, -24]; "
             "ldur x0, [x29, -24]; ldr x29, [sp, {k}]; add sp, sp, {n}")
    live = {"x2": ("sp", 64), "x8": ("x29", 64), "x10": ("x0", 64)}
    out = [Obligation(r, t, 64) for r, (t, _) in live.items()]
    aligned = check_block(RV, A64, source, block(frame.format(n=32, k=24), "aarch64"), live, out)
    assert isinstance(aligned, Proved)
    moved = check_block(RV, A64, source, block(frame.format(n=12, k=4), "aarch64"), live, out)
    assert isinstance(moved, Counterexample)
    assert "the target runs (no fault" in moved.describe()


def test_a_jump_to_a_label_of_the_function_owes_no_abi_representation():
    # lower_bound at -O2: int arguments live across `b .L12` need not be sign-extended there
    # (only where control leaves for code outside the listing); every block is proved.
    from synth.transpile import transpile
    text = """\t.text
\t.global\tlower_bound
\t.type\tlower_bound, %function
lower_bound:
\tmov\tx5, x0
\tmov\tw0, 0
\tb\t.L12
.L13:
\tasr\tw3, w3, 1
\tldr\tw4, [x5, w3, sxtw 2]
\tcmp\tw4, w2
\tblt\t.L15
\tmov\tw1, w3
.L12:
\tadd\tw3, w1, w0
\tcmp\tw1, w0
\tbgt\t.L13
\tret
.L15:
\tadd\tw0, w3, 1
\tb\t.L12
\t.size\tlower_bound, .-lower_bound
"""
    report = transpile(text, "aarch64", "riscv64", sketch=False)[1]
    assert {b.block: b.status for b in report.blocks if b.status != "proved"} == {}


def test_an_integer_homed_in_an_fp_register_is_not_nan_boxed():
    from synth.dsl.asm import parse as parse_listing
    from synth.transpile.aarch64_to_riscv64 import AArch64ToRiscv64
    from synth.transpile.pipeline import Transpiler
    listing = parse_listing("\t.text\n", "aarch64")
    t = Transpiler(listing, AArch64ToRiscv64(listing), A64, RV)
    assert t.representation("x9", "f31", 32, False) is None        # moved with fmv, bit for bit
    assert t.representation("v0", "f10", 32, False) == "ones"      # a single, NaN-boxed
    assert t.representation("x0", "x10", 32, True) == "sign"
