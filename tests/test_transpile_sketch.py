"""The sketch repairs unproved guesses: alternatives chosen, immediates filled by CEGIS."""
from synth.dsl.asm import parse
from synth.sketch.answers import Proved
from synth.transpile import sketch, verify
from synth.transpile.aarch64 import SEMANTICS as A64
from synth.transpile.guess import BlockGuess, Guessed
from synth.transpile.riscv64 import SEMANTICS as RV

MAP = {"x0": "x10", "x1": "x11", "sp": "x2"}
# Wall-clock solver limits generous enough for a loaded CI machine: at the 5 s default, CEGIS
# gave up on test_cegis_fixes_immediates_in_aarch64_targets_too in one CI run.
SLOW_MS = 120_000


def setup(a64, live_in, live_out):
    source = parse(a64.replace(";", "\n") + "\n", "aarch64").instructions
    entry = {r: (MAP[r], b) for r, b in live_in.items()}
    out = [verify.Obligation(r, MAP[r], b) for r, b in live_out.items()]
    check = lambda t: verify.check_block(A64, RV, source, t, entry, out, timeout_ms=SLOW_MS)
    query = lambda t: verify.block_query(A64, RV, tuple(source), t, entry, out)
    return check, query


def guess(rv, alternatives=None):
    instrs = parse(rv.replace(";", "\n") + "\n", "riscv64").instructions
    alternatives = alternatives or {}
    return BlockGuess(tuple(Guessed(i, (k,), alternatives=tuple(
        parse(a + "\n", "riscv64").instructions[0] for a in alternatives.get(k, ())))
        for k, i in enumerate(instrs)))


def test_cegis_fixes_a_wrong_immediate():
    check, query = setup("sub sp, sp, 48; str x0, [sp, 16]", {"sp": 64, "x0": 64}, {"sp": 64})
    wrong = guess("addi sp, sp, 48; sd a0, 8(sp)")
    assert not isinstance(check(tuple(g.instruction for g in wrong.instructions)), Proved)
    target, answer = sketch.repair(wrong, check, query, timeout_ms=SLOW_MS)
    assert [str(i.operands[-1]) for i in target] == ["Imm(value=-48)", "Mem(base=Reg(name='sp', arrangement=None, lane=None), offset=Imm(value=16), mode='offset', extend=None)"]
    assert isinstance(answer, Proved) and "CEGIS" in answer.detail


def test_the_sketch_chooses_among_alternatives():
    check, query = setup("ldr w0, [sp, 8]", {"sp": 64}, {"x0": 64})
    target, answer = sketch.repair(guess("lw a0, 8(sp)", {0: ["lwu a0, 8(sp)"]}), check, query)
    assert target[0].mnemonic == "lwu"
    assert "alternatives" in answer.detail


def test_no_repair_is_claimed_when_none_is_proved():
    check, query = setup("ldr x0, [sp, 8]", {"sp": 64}, {"x0": 64})
    assert sketch.repair(guess("lw a0, 8(sp)"), check, query) is None


def test_cegis_fixes_immediates_in_aarch64_targets_too():
    source = parse("addi sp, sp, -48\nsd a0, 16(sp)\n", "riscv64").instructions
    wrong = parse("sub sp, sp, 32\nstr x0, [sp, 8]\n", "aarch64").instructions
    entry = {"x2": ("sp", 64), "x10": ("x0", 64)}
    out = [verify.Obligation("x2", "sp", 64)]
    check = lambda t: verify.check_block(RV, A64, source, t, entry, out, timeout_ms=SLOW_MS)
    query = lambda t: verify.block_query(RV, A64, tuple(source), t, entry, out)
    target, answer = sketch.repair(BlockGuess(tuple(Guessed(i, (k,)) for k, i in enumerate(wrong))),
                                   check, query, timeout_ms=SLOW_MS)
    assert [t.operands[-1] for t in target][0].value == 48
    assert target[1].operands[1].offset.value == 16
    assert isinstance(answer, Proved)


# -- what a repair may not get away with: each of these was proved before its obligation existed

from dataclasses import replace   # noqa: E402

from synth.dsl.asm import format_instruction   # noqa: E402
from synth.dsl.asm.ast import Imm, Mem   # noqa: E402
from synth.sketch.answers import Counterexample   # noqa: E402
from synth.transpile import semantics as isa_semantics, guesser as rule_guesser   # noqa: E402
from synth.transpile.pipeline import Transpiler   # noqa: E402
from synth.transpile.verify import Obligation, Slot   # noqa: E402

# show(double a, ..., double i) prints its nine arguments (RISC-V passes the ninth in a0): printf
# takes seven in a1..a7 and the last two on the stack, at 0(sp) and 8(sp). AArch64 takes eight
# in d0..d7 and the ninth at [sp], so the guess moves [sp] to d7 and [sp, 8] down to [sp].
# Blocks: 0 the prologue, 1 (.L2) up to the call, 2 the epilogue.
PRINTF9 = """\
\t.text
\t.globl\tshow
\t.type\tshow, @function
show:
\taddi\tsp,sp,-32
\tsd\tra,24(sp)
.L2:
\tsd\ta0,8(sp)
\tfsd\tfa7,0(sp)
\tfmv.x.d\ta7,fa6
\tfmv.x.d\ta6,fa5
\tfmv.x.d\ta5,fa4
\tfmv.x.d\ta4,fa3
\tfmv.x.d\ta3,fa2
\tfmv.x.d\ta2,fa1
\tfmv.x.d\ta1,fa0
\tlla\ta0,.LC0
\tcall\tprintf@plt
\tld\tra,24(sp)
\taddi\tsp,sp,32
\tjr\tra
\t.size\tshow, .-show
\t.section\t.rodata
.LC0:
\t.string\t"%g %g %g %g %g %g %g %g %g\\n"
"""


def riscv_to_aarch64(text):
    listing = parse(text, "riscv64")
    t = Transpiler(listing, rule_guesser("riscv64", "aarch64", listing), isa_semantics("riscv64"),
                   isa_semantics("aarch64"))
    t.settle_demands()
    return t


def block_check(t, function, index):
    """(guess, check) of one block, as the pipeline verifies it."""
    f = t.functions[function]
    regs = t.guesser.register_map(f)
    live_in, live_out = t.liveness(f)
    b = f.blocks[index]
    entry, out = t.relation(f, b, regs, live_in[index], live_out[index])
    check = lambda target: verify.check_block(t.src, t.dst, b.instructions, target, entry, out)
    return t.guesser.block(f, b, regs), check, out


def with_offset(instructions, k, offset):
    """Instruction k with its memory operand's offset replaced, as a CEGIS-filled hole would be."""
    ops = tuple(replace(op, offset=Imm(offset)) if isinstance(op, Mem) else op for op in instructions[k].operands)
    return instructions[:k] + (replace(instructions[k], operands=ops),) + instructions[k + 1:]


def test_a_call_with_stack_arguments_owes_each_argument_where_the_callee_reads_it():
    t = riscv_to_aarch64(PRINTF9)
    guess, check, out = block_check(t, "show", 1)
    assert out[:10] == [Obligation("x10", "x0", 64)] + [
        Obligation(f"x{11 + k}", f"v{k}", 64) for k in range(7)] + [
        Obligation(Slot("x2", 0), "v7", 64), Obligation(Slot("x2", 8), Slot("sp", 0), 64)]
    target = tuple(g.instruction for g in guess.instructions)
    assert [format_instruction(i, "aarch64") for i in target[-3:-1]] == ["ldr x16, [sp, 8]", "str x16, [sp]"]
    # Leaving the stack as the source has it keeps memory equal but hands printf the eighth
    # double twice: CEGIS found this "repair" for t3_double_conv when nothing checked the slots.
    lazy = with_offset(target, len(target) - 3, 0)
    answer = check(lazy)
    assert isinstance(answer, Counterexample)
    assert "[x2+8]/[sp+0] (64 bits)" in answer.describe()


def test_the_sketch_keeps_no_repair_of_a_call_that_moves_stack_arguments():
    t = riscv_to_aarch64(PRINTF9)
    f = t.functions["show"]
    regs = t.guesser.register_map(f)
    live_in, live_out = t.liveness(f)
    guess = t.guesser.block(f, f.blocks[1], regs)
    target, answer, repaired = t.verify(f, f.blocks[1], guess, regs, live_in[1], live_out[1])
    assert (target, repaired) == (tuple(g.instruction for g in guess.instructions), False)
    assert isinstance(answer, Counterexample) and "memory" in answer.describe()


def test_a_return_owes_the_return_address():
    t = riscv_to_aarch64(PRINTF9)
    guess, check, out = block_check(t, "show", 2)
    assert Obligation("x1", "x30", 64) in out
    target = tuple(g.instruction for g in guess.instructions)
    assert [format_instruction(i, "aarch64") for i in target] == ["ldr x30, [sp, 24]", "add sp, sp, 32", "ret"]
    assert isinstance(check(target), Proved)
    answer = check(with_offset(target, 0, 0))     # CEGIS moved t3_double_conv's epilogue load so
    assert isinstance(answer, Counterexample)      # when no claim covered x30
    assert "x1/x30 (64 bits)" in answer.describe()


# -- what a hole may hold: values the assembler can encode there, no others

def hole_query(source, source_isa, target, target_isa, live_in, live_out):
    """The verifier's query for a target block whose last instruction's immediate (or memory
    offset) is the hole `h`."""
    from synth.dsl.asm.ast import Hole
    src, dst = (RV, A64) if source_isa == "riscv64" else (A64, RV)
    source_block = parse(source.replace(";", "\n") + "\n", source_isa).instructions
    *rest, last = parse(target.replace(";", "\n") + "\n", target_isa).instructions
    ops = tuple(Hole("h") if isinstance(op, Imm) else replace(op, offset=Hole("h")) if isinstance(op, Mem)
                else op for op in last.operands)
    return verify.block_query(src, dst, tuple(source_block), (*rest, replace(last, operands=ops)),
                              live_in, live_out)


def proved_with(query, value):
    import z3
    from synth.sketch.solver import prove
    claims = [z3.substitute(c, (z3.BitVec("h", 12), z3.BitVecVal(value, 12))) for c in query.claims]
    return prove(claims).status == "proved"


def test_a_logical_immediate_hole_holds_only_bitmask_patterns():
    # Only the low 8 bits of x10 are live, so and-ing with 511 does as well as 255; 767 would
    # too, but no AArch64 logical instruction encodes it (CEGIS chose it for t3_crc32).
    q = hole_query("andi a0, a0, 255", "riscv64", "and x0, x0, 0", "aarch64",
                   {"x10": ("x0", 64)}, [verify.Obligation("x10", "x0", 8)])
    assert [proved_with(q, v) for v in (255, 511, 767, 254)] == [True, True, False, False]


def test_a_shift_amount_hole_stays_below_the_width():
    # srliw by 33 shifts by 1 in the semantics (the amount is masked) but does not assemble.
    q = hole_query("lsr w0, w0, 1", "aarch64", "srliw a0, a0, 0", "riscv64",
                   {"x0": ("x10", 32)}, [verify.Obligation("x0", "x10", 32)])
    assert [proved_with(q, v) for v in (1, 33, -31)] == [True, False, False]


def test_an_unscaled_offset_hole_fits_nine_signed_bits():
    q = hole_query("ld a0, 8(sp)", "riscv64", "sub x16, sp, 292; ldur x0, [x16, 0]", "aarch64",
                   {"x2": ("sp", 64)}, [verify.Obligation("x10", "x0", 64)])
    assert [proved_with(q, v) for v in (300, 36)] == [False, False]   # 300 does not encode, 36 misses
    q = hole_query("ld a0, 8(sp)", "riscv64", "sub x16, sp, 200; ldur x0, [x16, 0]", "aarch64",
                   {"x2": ("sp", 64)}, [verify.Obligation("x10", "x0", 64)])
    assert proved_with(q, 208)
