"""Rule-based guesses from RISC-V 64 (gcc 12, rv64gc/lp64d, PIE) to AArch64 (GNU as syntax).

Each source instruction becomes a short, fixed AArch64 sequence. What the rules must get right,
because the two ISAs differ there:
  - RISC-V registers are always 64 bits and the LP64 ABI keeps 32-bit values sign-extended, so
    every `*w` operation, `lw` and 32-bit conversion ends in `sxtw` unless a look-ahead within
    the block shows that only the low 32 bits are read before the register is written again
    (translation.py);
  - division by zero gives -1 on RISC-V and 0 on AArch64 (`csinv` repairs it, branch-free);
    `rem` by `sdiv` + `msub` already gives the dividend for a zero divisor, as RISC-V does
    (integer.py);
  - RISC-V passes variadic floating-point arguments in integer registers (and on the stack
    after a7), AArch64 in v registers: before a call to printf & co the arguments are moved,
    placed by the format string, which is read from the listing (control.py);
  - AArch64 has 11 callee-saved integer registers (x19..x29) for RISC-V's 12 (s0..s11): when a
    function uses all of them, the least used one lives in a free callee-saved v register
    (v8..v15, whose low 64 bits AAPCS64 preserves) and goes through a scratch register
    (registers.py).
Calls between functions of the listing keep the RISC-V placement (a_i -> x_i, fa_i -> v_i, the
same stack slots), which both sides then agree on; only library calls need the AArch64 one.
"""
from synth.transpile.riscv64_to_aarch64.guesser import Riscv64ToAArch64

__all__ = ["Riscv64ToAArch64"]
