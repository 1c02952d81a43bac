"""The Guesser (guess.py's protocol) from RISC-V 64 to AArch64, built on the whole source listing,
whose strings (printf formats) it reads."""
from __future__ import annotations

import re

from synth.dsl.asm.ast import Directive, Instruction, Item, Label, Listing
from synth.transpile import cfg
from synth.transpile.cfg import Block, Function
from synth.transpile.guess import BlockGuess, RegisterMap
from synth.transpile.machine import unsupported
from synth.transpile.riscv64_to_aarch64.registers import map_registers
from synth.transpile.riscv64_to_aarch64.translation import Translation


class Riscv64ToAArch64:
    """The Guesser for RISC-V 64 -> AArch64 (see the package docstring)."""
    source = "riscv64"
    target = "aarch64"

    def __init__(self, listing: Listing):
        self.listing = listing
        self.file = listing.file
        self.strings = cfg.strings(listing)
        self._started = False

    def register_map(self, function: Function) -> RegisterMap:
        return map_registers(function, self.file)

    def block(self, function: Function, block: Block, registers: RegisterMap) -> BlockGuess:
        t = Translation(self, function, block, registers)
        for i, instr in enumerate(block.instructions):
            t.translate(i, instr)
        return BlockGuess(tuple(t.out), tuple(t.notes))

    def data(self, items: tuple[Item, ...]) -> tuple[Item, ...]:
        out: list[Item] = []
        if not self._started:
            self._started = True
            out.append(Directive(".arch", "armv8-a"))
        for item in items:
            if isinstance(item, Directive):
                d = self._directive(item)
                if d is not None:
                    out.append(d)
            elif isinstance(item, Label):
                out.append(Label(item.name))
            elif isinstance(item, Instruction):
                raise unsupported(item, item.mnemonic, self.file, "an instruction outside any function")
            else:
                out.append(item)
        return tuple(out)

    def prologue(self, function: Function) -> tuple[Item, ...]:
        # RISC-V aligns functions to 2 bytes (compressed code), AArch64 needs 4.
        return (Directive(".align", "2"),)

    def _directive(self, d: Directive) -> Directive | None:
        # RISC-V-only options, and call-frame information in RISC-V's DWARF register numbers
        if d.name in (".option", ".attribute", ".variant_cc") or d.name.startswith(".cfi_"):
            return None
        renamed = {".dword": ".xword", ".half": ".hword"}.get(d.name, d.name)
        args = d.args
        if d.name in (".type", ".section", ".pushsection"):
            args = re.sub(r"@(function|object|progbits|nobits|note|gnu_\w+)", r"%\1", args)
        return Directive(renamed, args, d.line)
