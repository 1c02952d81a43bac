"""The Guesser (guess.py's protocol) from AArch64 to RISC-V 64: the analyses and register maps are
made once for the whole listing; each block is then translated by a BlockTranslator."""
from __future__ import annotations

from synth.dsl.asm.ast import Directive, Item, Label, Listing
from synth.transpile.aarch64_to_riscv64 import tables
from synth.transpile.aarch64_to_riscv64.allocation import Allocation, spill_label
from synth.transpile.aarch64_to_riscv64.analysis import Analysis, FunctionInfo
from synth.transpile.aarch64_to_riscv64.translator import BlockTranslator
from synth.transpile.cfg import Block, Function
from synth.transpile.cfg import program as cut_program
from synth.transpile.guess import BlockGuess, RegisterMap


class AArch64ToRiscv64:
    """Guesser from an AArch64 listing to RISC-V 64 (see the package docstring)."""
    source = "aarch64"
    target = "riscv64"

    def __init__(self, listing: Listing):
        self.listing = listing
        self.file = listing.file
        self.program = cut_program(listing)
        self.functions = {f.name: f for f in self.program.functions}
        self.analysis = Analysis(listing, self.program)
        self.allocation = Allocation(self.analysis)

    def info(self, function: Function) -> FunctionInfo:
        """The function's facts; the first call analyses the listing and allocates registers."""
        self.analysis.analyse()
        self.allocation.allocate()
        return self.analysis.info(function)

    def register_map(self, function: Function) -> RegisterMap:
        return self.allocation.register_map(self.info(function))

    def return_width(self, function: Function) -> int:
        """Bits of x0 the function returns: 32 for an int (LP64D wants it sign-extended, where
        AArch64 leaves the upper half to the callee), 64 for a long or pointer."""
        return self.info(function).return_bits

    def block(self, function: Function, block: Block, registers: RegisterMap) -> BlockGuess:
        info = self.info(function)
        k = function.blocks.index(block) if block in function.blocks else block.index
        return BlockTranslator(self, info, k, block, registers).run()

    def data(self, items: tuple[Item, ...]) -> tuple[Item, ...]:
        out: list[Item] = []
        for item in items:
            if not isinstance(item, Directive):
                out.append(item)
                continue
            out.extend(tables.data_directive(item))
        return tuple(out)

    def prologue(self, function: Function) -> tuple[Item, ...]:
        """The function's jump tables, rewritten as 32-bit byte offsets in .rodata, and its
        spill area in .bss (16 bytes per spilled v register), if it has one."""
        out = tables.rewritten(self.info(function).tables)
        spilled = self.allocation.spilled.get(function.name)
        if spilled:
            out += (Directive(".pushsection", ".bss"), Directive(".p2align", "3"),
                    Label(spill_label(function.name)), Directive(".zero", str(16 * len(spilled))),
                    Directive(".popsection"))
        return out
