"""One machine-state model for both ISAs, in Z3 bit-vectors.

A State maps register names to bit-vectors and holds memory as a Z3 array from 64-bit
addresses to bytes (little-endian, as both ISAs are here). Each ISA's semantics is one function
per instruction over this model; run on a State of constants it is the concrete semantics
(every value simplifies to a constant), run on a State of variables it is the symbolic one that
the verifier hands to Z3. There is one definition, so the two cannot disagree; the differential
tests compare it with a real emulator.

Register files (canonical names; the ISA modules resolve aliases such as w0, d0, a0, fa5):
  aarch64: x0..x30 (64 bits), sp (64), v0..v31 (128), flags n z c v (1 bit each)
  riscv64: x1..x31 (64 bits; x0 reads zero), f0..f31 (64)
Symbols (functions, globals, labels of data) are free 64-bit constants named `sym!NAME`, shared
by every State, so source and target agree on where a global lives without knowing it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import z3

from synth.dsl.asm.ast import Instruction
from synth.errors import Location, SynthError

MEMORY_SORT = z3.ArraySort(z3.BitVecSort(64), z3.BitVecSort(8))


class UnsupportedInstruction(SynthError):
    """An instruction the semantics does not model; names its line and text."""


def unsupported(instr: Instruction, text: str, file: str = "<string>", why: str = "") -> UnsupportedInstruction:
    return UnsupportedInstruction("unsupported instruction" + (f" ({why})" if why else ""),
                                  where=Location(file, instr.line or None), found=repr(text))


def arithmetic_shift(a: z3.BitVecRef, b) -> z3.BitVecRef:
    """a >> b (arithmetic; by the width or more, all sign bits), for both ISAs. By a constant it
    is written as extract and sign-extend (the same value), the form Z3's simplifier gives
    every sign extension, so that a value sign-extended one way (sxtl, a lane) and shifted the
    other (slli/srai) are one term, and a multiplication they feed is not bit-blasted to
    prove them equal."""
    amount = z3.simplify(b) if isinstance(b, z3.ExprRef) else b
    k = amount.as_long() if isinstance(amount, z3.BitVecNumRef) else amount
    if not isinstance(k, int):
        return a >> b
    k = min(k, a.size() - 1)
    return z3.SignExt(k, z3.Extract(a.size() - 1, k, a)) if k else a


def symbol(name: str) -> z3.BitVecRef:
    """The address of a symbol: one free constant per name, the same in every State."""
    return z3.BitVec(f"sym!{name}", 64)


@dataclass
class State:
    """Registers by canonical name and a byte-addressed memory; copied, never shared, on write.
    `requires` collects what must hold for the instructions to run at all: what the hardware
    checks (AArch64 faults on a memory access based on a misaligned sp) and, where the sketch
    left a hole, what the assembler can encode there."""
    regs: dict[str, z3.BitVecRef]
    mem: z3.ArrayRef
    requires: list[z3.BoolRef] = field(default_factory=list)

    @staticmethod
    def symbolic(names_and_widths: dict[str, int], prefix: str = "") -> "State":
        """Every register and the memory a fresh variable (prefix keeps two machines apart)."""
        regs = {n: z3.BitVec(f"{prefix}{n}", w) for n, w in names_and_widths.items()}
        return State(regs, z3.Array(f"{prefix}mem", z3.BitVecSort(64), z3.BitVecSort(8)))

    @staticmethod
    def concrete(values: dict[str, int], widths: dict[str, int],
                 memory: dict[int, int] | None = None) -> "State":
        """Registers from integers (missing ones are 0); memory zero except the given bytes."""
        regs = {n: z3.BitVecVal(values.get(n, 0), w) for n, w in widths.items()}
        mem = z3.K(z3.BitVecSort(64), z3.BitVecVal(0, 8))
        for address, byte in sorted((memory or {}).items()):
            mem = z3.Store(mem, z3.BitVecVal(address, 64), z3.BitVecVal(byte, 8))
        return State(regs, mem)

    def copy(self) -> "State":
        return State(dict(self.regs), self.mem, list(self.requires))

    def get(self, name: str) -> z3.BitVecRef:
        return self.regs[name]

    def set(self, name: str, value: z3.BitVecRef) -> None:
        width = self.regs[name].size()
        if value.size() != width:
            raise ValueError(f"{name} is {width} bits, value is {value.size()}")
        self.regs[name] = z3.simplify(value)

    def load(self, address: z3.BitVecRef, nbytes: int) -> z3.BitVecRef:
        """nbytes little-endian bytes from address, as one bit-vector of 8*nbytes bits."""
        parts = [z3.Select(self.mem, address + k) for k in range(nbytes)]
        return z3.simplify(z3.Concat(*reversed(parts)) if nbytes > 1 else parts[0])

    def store(self, address: z3.BitVecRef, value: z3.BitVecRef) -> None:
        """value (a multiple of 8 bits) little-endian at address."""
        mem = self.mem
        for k in range(value.size() // 8):
            mem = z3.Store(mem, address + k, z3.Extract(8 * k + 7, 8 * k, value))
        self.mem = z3.simplify(mem)

    def value(self, name: str) -> int:
        """A register's value as an unsigned integer; only for concrete States."""
        v = z3.simplify(self.regs[name])
        if not z3.is_bv_value(v):
            raise ValueError(f"{name} is not concrete: {v}")
        return v.as_long()

    def byte(self, address: int) -> int:
        v = z3.simplify(z3.Select(self.mem, z3.BitVecVal(address, 64)))
        if not z3.is_bv_value(v):
            raise ValueError(f"memory at {address:#x} is not concrete")
        return v.as_long()


@dataclass(frozen=True)
class Exit:
    """How control leaves an instruction that may not fall through.

    kind: "branch" (to `target` when `condition` holds, else fall through), "jump" (always to
    `target`), "call" (to `target`, a symbol, or to the address `register_target`; returns to
    the next instruction), "return", "indirect" (to the address `register_target`, e.g. a
    jump-table branch).
    """
    kind: str
    target: str | None = None
    condition: z3.BoolRef | None = None
    register_target: z3.BitVecRef | None = None
    # When the jump is defined: AArch64 faults on a branch to an address not a multiple of 4,
    # so a translation need only agree with it where it does not fault (None: always defined).
    defined: z3.BoolRef | None = None


# An ISA's semantics: execute one instruction in place; returns an Exit when control may leave.
Execute = Callable[[State, Instruction], "Exit | None"]


@dataclass(frozen=True)
class Semantics:
    """What the verifier needs of an ISA: its register file and one-instruction execute."""
    isa: str
    widths: dict[str, int] = field(hash=False)
    execute: Execute = field(hash=False)
    canonical: Callable[[str], str] = field(hash=False)   # alias (w0, a0, fa5) -> file name (x0, x10, f15)
