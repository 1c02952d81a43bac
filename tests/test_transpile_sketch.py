"""The sketch repairs unproved guesses: alternatives chosen, immediates filled by CEGIS."""
from synth.dsl.asm import parse
from synth.sketch.answers import Proved
from synth.transpile import sketch, verify
from synth.transpile.aarch64 import SEMANTICS as A64
from synth.transpile.guess import BlockGuess, Guessed
from synth.transpile.riscv64 import SEMANTICS as RV

MAP = {"x0": "x10", "x1": "x11", "sp": "x2"}


def setup(a64, live_in, live_out):
    source = parse(a64.replace(";", "\n") + "\n", "aarch64").instructions
    entry = {r: (MAP[r], b) for r, b in live_in.items()}
    out = [verify.Obligation(r, MAP[r], b) for r, b in live_out.items()]
    check = lambda t: verify.check_block(A64, RV, source, t, entry, out)
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
    target, answer = sketch.repair(wrong, check, query)
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
    check = lambda t: verify.check_block(RV, A64, source, t, entry, out)
    query = lambda t: verify.block_query(RV, A64, tuple(source), t, entry, out)
    target, answer = sketch.repair(BlockGuess(tuple(Guessed(i, (k,)) for k, i in enumerate(wrong))), check, query)
    assert [t.operands[-1] for t in target][0].value == 48
    assert target[1].operands[1].offset.value == 16
    assert isinstance(answer, Proved)
