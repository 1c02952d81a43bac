"""Block rules for branches, jumps, calls and returns. Calls between functions of the listing
keep the RISC-V placement (a_i -> x_i, fa_i -> v_i, the same stack slots), which both sides
then agree on; before a call to printf & co, whose variadic FP arguments RISC-V passes in
integer registers (and on the stack after a7) and AArch64 in v registers, the arguments are
moved as the format string (dataflow.printf_signature) places them."""
from __future__ import annotations

from synth.dsl.asm.ast import Imm, Instruction, Mem, Reg, Sym
from synth.transpile import abi, dataflow
from synth.transpile.riscv64 import SEMANTICS
from synth.transpile.riscv64_to_aarch64.integer import SWAPPED
from synth.transpile.riscv64_to_aarch64.registers import d_reg, x_reg

_BRANCH = {"beq": "eq", "bne": "ne", "blt": "lt", "bge": "ge", "bltu": "lo", "bgeu": "hs",
           "bgt": "gt", "ble": "le", "bgtu": "hi", "bleu": "ls"}
_BRANCH_ZERO = {"beqz": "eq", "bnez": "ne", "bltz": "lt", "bgez": "ge", "bgtz": "gt", "blez": "le"}

RULES = {**{m: "branch" for m in _BRANCH}, **{m: "branch_zero" for m in _BRANCH_ZERO},
         "j": "jump", "jal": "jal", "jr": "jr", "jalr": "jalr", "ret": "ret", "call": "call",
         "tail": "call", "nop": "nop"}


class ControlRules:
    """Control flow."""

    def branch(self, instr):
        a, b, label = instr.operands
        cond = _BRANCH[instr.mnemonic]
        target = self.label(label)
        za, zb = self._canon(a) == "x0", self._canon(b) == "x0"
        if cond in ("eq", "ne") and (za or zb):
            r = self.src(b if za else a)
            return self.emit("cbz" if cond == "eq" else "cbnz", x_reg(r), target)
        if self.compare(a, b):
            cond = SWAPPED[cond]
        self.emit("b." + cond, target)

    def branch_zero(self, instr):
        a, label = instr.operands
        cond = _BRANCH_ZERO[instr.mnemonic]
        target = self.label(label)
        s = self.src(a)
        if cond in ("eq", "ne"):
            return self.emit("cbz" if cond == "eq" else "cbnz", x_reg(s), target)
        self.emit("cmp", x_reg(s), Imm(0))
        self.emit("b." + cond, target)

    def label(self, op) -> Sym:
        if not isinstance(op, Sym):
            self.fail("expected a label")
        return Sym(op.name, op.addend)

    def jump(self, instr):
        self.emit("b", self.label(instr.operands[0]))

    def jal(self, instr):
        ops = instr.operands
        if len(ops) == 1:
            return self.call_symbol(ops[0], "bl")
        rd, target = ops
        link = self._canon(rd)
        if link == "x0":
            return self.emit("b", self.label(target))
        if link != "x1":
            self.fail("a link register other than ra")
        self.call_symbol(target, "bl")

    def jr(self, instr):
        ops = instr.operands
        reg = ops[0].base if isinstance(ops[0], Mem) else ops[0]
        if isinstance(ops[0], Mem) and ops[0].offset not in (None, Imm(0)):
            self.fail("offset")
        if self._canon(reg) == "x1":
            return self.emit("ret")
        # a jump-table branch or an indirect tail call
        self.indirect("br", reg)

    def jalr(self, instr):
        ops = instr.operands
        if len(ops) == 1:
            link, reg = "x1", ops[0]
        elif len(ops) == 2 and isinstance(ops[1], Mem):
            link, reg = self._canon(ops[0]), ops[1].base
            if ops[1].offset not in (None, Imm(0)):
                self.fail("offset")
        elif len(ops) == 3 and ops[2] == Imm(0):
            link, reg = self._canon(ops[0]), ops[1]
        else:
            return self.fail()
        if isinstance(reg, Mem):
            reg = reg.base
        if link == "x0":
            if self._canon(reg) == "x1":
                return self.emit("ret")
            return self.indirect("br", reg)
        if link != "x1":
            self.fail("a link register other than ra")
        self.indirect("blr", reg)

    def indirect(self, mnemonic: str, reg: Reg):
        """jalr clears bit 0 of the target; so does the `and` (a no-op for real code addresses,
        which are even, but it makes the two jumps equal for every register value)."""
        s = self.src(reg)
        t = self.tmp()
        self.emit("and", x_reg(t), x_reg(s), Imm(-2), alternatives=(Instruction("nop"),))
        self.emit(mnemonic, x_reg(t), alternatives=(Instruction(mnemonic, (x_reg(s),)),))

    def ret(self, instr):
        self.emit("ret")

    def nop(self, instr):
        self.emit("nop")

    # -- calls --

    def call(self, instr):
        self.call_symbol(instr.operands[0], "bl" if instr.mnemonic == "call" else "b")

    def call_symbol(self, op, mnemonic):
        if not isinstance(op, Sym):
            self.fail("expected a function name")
        name = op.name
        confidence = ()
        if name in abi.PRINTF_FAMILY:
            confidence = self.variadic_arguments(name)
        self.emit(mnemonic, Sym(name, op.addend), confidence=confidence)

    def variadic_arguments(self, name: str):
        """Move printf's arguments from RISC-V places (FP in integer registers, then stack) to
        AArch64 places (FP in v registers); both ABIs fill 8-byte stack slots from sp."""
        sig = dataflow.printf_signature(self.function.blocks, self.block.index, self.i, name, SEMANTICS,
                                        self.g.strings, abi.ABI["riscv64"]["frame"])
        if sig is None:
            self.notes.append(f"{name} at line {self.instr.line}: format string not found; "
                              "assumed integer arguments")
            return (0.5,)
        if "f64" not in sig.args:
            return ()
        src, dst = abi.argument_places("riscv64", sig), abi.argument_places("aarch64", sig)

        def place(where, mapped):
            reg, slot = where
            if reg == "stack":
                return ("stack", slot)
            return (self.regs.registers[reg], None) if mapped else (reg, None)

        moves = [(s, d) for s, d in ((place(s, True), place(d, False)) for s, d in zip(src, dst)) if s != d]
        # FP destinations first (they read integer registers and stack slots that later moves
        # overwrite), then integer registers in increasing order (each comes from the same or
        # a higher-numbered register), then loads from the stack, then the stack compacted.
        for s, d in moves:
            if d[0].startswith("v"):
                if s[0] == "stack":
                    self.emit("ldr", d_reg(d[0]), _stack(s[1]))
                elif s[0].startswith("v"):
                    self.emit("fmov", d_reg(d[0]), d_reg(s[0]))
                else:
                    self.emit("fmov", d_reg(d[0]), x_reg(s[0]))
        int_moves = [(d[0], s) for s, d in moves if d[0] != "stack" and not d[0].startswith("v")]
        for d, s in sorted(int_moves, key=lambda m: (m[1][0] == "stack", int(m[0][1:]))):
            if s[0] == "stack":
                self.emit("ldr", x_reg(d), _stack(s[1]))
            elif s[0].startswith("v"):
                self.emit("fmov", x_reg(d), d_reg(s[0]))
            else:
                self.emit("mov", x_reg(d), x_reg(s[0]))
        for s, d in sorted(((s, d) for s, d in moves if d[0] == "stack"), key=lambda m: m[1][1]):
            where = _stack(d[1])
            if s[0] == "stack":
                t = self.tmp()
                self.emit("ldr", x_reg(t), _stack(s[1]))
                self.emit("str", x_reg(t), where)
                self.free.insert(0, t)
            else:
                self.emit("str", d_reg(s[0]) if s[0].startswith("v") else x_reg(s[0]), where)
        if any(d[0] == "stack" for _, d in moves):
            self.notes.append(f"{name} at line {self.instr.line}: stack arguments rearranged for AArch64")
        return ()


def _stack(slot: int) -> Mem:
    return Mem(Reg("sp"), Imm(8 * slot) if slot else None)
