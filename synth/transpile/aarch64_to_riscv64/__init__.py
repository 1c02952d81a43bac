"""Rule-based guesser from AArch64 (gcc 12 -S, -O0/-O2) to RISC-V 64 (rv64gc, lp64d, GNU as).

The guess keeps the source's stack frame, its stores and its calling convention between the
program's own functions; only where the C library is called (printf's FP varargs go in integer
registers on RISC-V) or calls back (int results sign-extended) does it follow LP64D.

Whole-program analyses run once, before any block is translated (analysis.py, effects.py,
allocation.py):
  - liveness with widths: which 32-bit results are later read at 64 bits (AArch64 zero-extends
    every w write, RISC-V *w instructions sign-extend), so only those get a zero-extension, and
    which functions return a 32-bit int;
  - the call graph and what each function clobbers: gcc's IPA-RA keeps values in caller-saved
    registers across calls to local functions that leave them alone, so register maps are made
    callers first and a callee keeps clear of what its callers hold across the call;
  - printf formats (dataflow.printf_signature: through moves, blocks and stack spills), and
    jump tables (tables.py: rewritten by prologue() as `.word L - .Lrtx` byte offsets).
Integer temporaries that find no free integer register live in free FP registers (bit-exact
fmv moves around each use). Flags are followed from the setter (cmp, tst, subs, fcmp, ccmp...)
to each consumer (b.cond, csel, cset...), which becomes a compare-and-branch or a branch-free
sequence on the setter's operands, copied aside if overwritten in between; a block reading
flags set by its only predecessor takes them over (flags.py). Everything that is not exact
says so in the block's notes (jump tables, NaN conversions, outgoing stack areas rebuilt for
printf).

The block rules, one method per source mnemonic, are grouped by concern in mixins (moves,
arithmetic, memory, tables, flags, selects, calls, floating, vectors: NEON lanes as scalar
code, `_v_<mnemonic>` taking precedence for instructions naming a v register) that
translator.BlockTranslator combines; guesser.AArch64ToRiscv64 implements the Guesser protocol.
"""
from synth.transpile.aarch64_to_riscv64.guesser import AArch64ToRiscv64

__all__ = ["AArch64ToRiscv64"]
