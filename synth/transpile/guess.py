"""The guess: a proposed target block for each source block, with its alignment and confidence.

A Guesser sees one function at a time. It chooses a register map (every source register the
function uses -> a target register, respecting both ABIs) and translates each block. Each
target instruction says which source instructions it came from (the alignment) and how sure
the guesser is of each operand; low-confidence operands and listed alternatives are what the
sketch turns into holes. The rule-based guessers (packages aarch64_to_riscv64/ and
riscv64_to_aarch64/) are the first implementations; a learned guesser implements the same
Protocol.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from synth.dsl.asm.ast import Instruction, Item
from synth.transpile.cfg import Block, Function


@dataclass(frozen=True)
class Guessed:
    """One target instruction of a guess."""
    instruction: Instruction
    source: tuple[int, ...]                  # indices of the source instructions it implements
    confidence: tuple[float, ...] = ()       # per operand, in [0, 1]; empty means all 1.0
    alternatives: tuple[Instruction, ...] = ()   # other instructions the sketch may choose


@dataclass(frozen=True)
class BlockGuess:
    instructions: tuple[Guessed, ...]
    notes: tuple[str, ...] = ()              # what the guesser was unsure of, for the report


@dataclass(frozen=True)
class RegisterMap:
    """Source canonical register -> target canonical register; `scratch` are target registers
    the guess may clobber freely (they map to no source register). `upper`: for a source
    register wider than its target register (AArch64's 128-bit v registers in RISC-V's 64-bit
    FP registers), the target register holding its bits from the target width up, where they
    cross blocks; the verifier relates them too. `spilled`: source registers kept instead in
    the target's memory, in a slot at this byte offset of a spill area private to the function
    (the halves without a target register; the verifier does not model the area: blocks
    touching one are Unknown)."""
    registers: dict[str, str]
    scratch: tuple[str, ...] = ()
    upper: dict[str, str] = field(default_factory=dict)
    spilled: dict[str, int] = field(default_factory=dict)
    callee_saved_spill: tuple[str, ...] = field(default=())   # target callee-saved regs the guess must save


class Guesser(Protocol):
    source: str                              # "aarch64" | "riscv64"
    target: str

    def register_map(self, function: Function) -> RegisterMap:
        """Raises machine.UnsupportedInstruction (or SynthError) if no map fits."""

    def block(self, function: Function, block: Block, registers: RegisterMap) -> BlockGuess:
        """The target instructions for one source block; raises UnsupportedInstruction for a
        source instruction it cannot translate."""

    def data(self, items: tuple[Item, ...]) -> tuple[Item, ...]:
        """Directives and labels outside functions (sections, data, strings), for the target."""

    def prologue(self, function: Function) -> tuple[Item, ...]:
        """Target items before the function's first block (alignment, .cfi directives...)."""
