"""Assembly listings (AArch64, RISC-V 64) as gcc -S writes them: AST, parse and format."""
from synth.dsl.asm.ast import (ISAS, Comment, Directive, Hole, Imm, Instruction, Item, Keyword, Label,
                               Listing, Mem, Operand, Reg, RegList, Shift, Sym)
from synth.dsl.asm.syntax import detect_isa, format, format_instruction, parse

__all__ = ["ISAS", "Comment", "Directive", "Hole", "Imm", "Instruction", "Item", "Keyword", "Label",
           "Listing", "Mem", "Operand", "Reg", "RegList", "Shift", "Sym", "detect_isa", "format",
           "format_instruction", "parse"]
