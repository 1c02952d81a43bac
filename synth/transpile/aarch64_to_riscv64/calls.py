"""Calls, returns and the C library. Between the program's own functions the guess keeps the
source's calling convention (the register map follows both ABIs); only where the C library is
called does it follow LP64D: printf's FP varargs go in integer registers (placed by the format
string, abi.PRINTF_FAMILY) and past a7 on a rebuilt stack area, int arguments sign-extended,
and a returned int is sign-extended for callers outside the listing."""
from __future__ import annotations

from synth.dsl.asm.ast import Imm, Mem, Reg, Sym
from synth.transpile import abi, dataflow
from synth.transpile.aarch64 import SEMANTICS
from synth.transpile.aarch64_to_riscv64.registers import abi_name, source_reg
from synth.transpile.aarch64_to_riscv64.values import SEXT, Unsupported
from synth.transpile.cfg import Block, Function

# The C library functions with known prototypes: abi.LIBRARY, and some the guess also needs.
LIBRARY = {**abi.LIBRARY,
           "strtol": abi.Signature(("i64", "i64", "i32")),
           "strtoul": abi.Signature(("i64", "i64", "i32")),
           "strtod": abi.Signature(("i64", "i64"), "f64"), "strstr": abi.Signature(("i64", "i64")),
           "strrchr": abi.Signature(("i64", "i32")), "strncpy": abi.Signature(("i64", "i64", "i64")),
           "strncat": abi.Signature(("i64", "i64", "i64")), "strcspn": abi.Signature(("i64", "i64")),
           "strspn": abi.Signature(("i64", "i64")), "toupper": abi.Signature(("i32",), "i32"),
           "tolower": abi.Signature(("i32",), "i32"), "realloc": abi.Signature(("i64", "i64")),
           "llabs": abi.Signature(("i64",))}


def call_signature(function: Function, block: Block, k: int, callee: str, strings: dict[str, str]) \
        -> abi.Signature | None:
    """The callee's signature at the call, instruction k of block: a printf-family function's
    from its format string, found across blocks, copies and frame slots (dataflow); else the
    library's."""
    if callee in abi.PRINTF_FAMILY:
        return dataflow.printf_signature(function.blocks, block.index, k, callee, SEMANTICS, strings,
                                         abi.ABI["aarch64"]["frame"])
    return LIBRARY.get(callee)


class CallRules:
    """Branches out of the block: calls, tail calls, returns, indirect branches."""

    def _b(self, instr, target):
        if target.name in self.info.labels:
            self.emit("j", self.label(target))
            return
        if self.call_arguments(target.name):
            raise Unsupported("a tail call whose arguments need a new stack area")
        self.emit("tail", Sym(target.name))

    def _br(self, instr, reg):
        self.emit("jr", self.t(reg))

    def _bl(self, instr, target):
        area = self.call_arguments(target.name)
        self.emit("call", Sym(target.name))
        self.flags, self.pinned = None, []
        if area:
            self.add_imm("sp", "sp", area)

    def _blr(self, instr, reg):
        self.emit("jalr", self.t(reg))
        self.flags, self.pinned = None, []

    def _ret(self, instr, *reg):
        if reg and source_reg(reg[0])[0] != "x30":
            raise Unsupported("return through a register other than x30")
        if self.info.return_bits == 32 and self.info.writes_x0 and not self.is_sext("a0") \
                and "x0" in self.map:
            self.emit("sext.w", "a0", "a0")   # LP64D: a 32-bit result is sign-extended
        self.emit("ret")

    def call_arguments(self, callee: str) -> int:
        """LP64D moves before a call to the C library: printf's FP varargs go to integer
        registers (and, past a7, to the stack), int arguments are sign-extended. Returns the
        bytes of outgoing stack area pushed for the call, which the caller pops after it."""
        if callee in self.g.functions:
            return 0
        signature = self.g.analysis.signature(self.info.function, self.block, self.k, callee)
        if signature is None:
            if callee in abi.PRINTF_FAMILY:
                raise Unsupported(f"cannot find the format string of this {callee} call")
            return 0
        source = abi.argument_places("aarch64", signature)
        target = abi.argument_places("riscv64", signature)
        same_stack = all(s == t if s[0] == "stack" else t[0] != "stack" for s, t in zip(source, target))
        slots = sum(t == "stack" for t, _ in target)
        area = 0 if same_stack else (8 * slots + 15) // 16 * 16
        if area:
            self.notes.append(f"{callee}: outgoing arguments rebuilt in {area} bytes below sp")
            self.add_imm("sp", "sp", -area)
        moves, loads = [], []
        for (s_place, s_slot), (t_place, t_slot), kind in zip(source, target, signature.args):
            if s_place == "stack" and same_stack:
                continue
            if s_place == "stack":
                old = Mem(Reg("sp"), Imm(area + 8 * s_slot))
                if t_place == "stack":
                    s = self.scratch()
                    self.emit("ld", s, old)
                    self.emit("sd", s, Mem(Reg("sp"), Imm(8 * t_slot)))
                    self.release(s)
                else:
                    loads.append((abi_name(t_place), old))
                continue
            if s_place not in self.map:
                raise Unsupported(f"argument register {s_place} of {callee} is never set")
            src = abi_name(self.map[s_place])
            fp = kind.startswith("f")
            if t_place == "stack":
                self.emit("fsd" if fp else "sd", src, Mem(Reg("sp"), Imm(8 * t_slot)))
                continue
            dst = abi_name(t_place)
            if kind == "i32" and signature.fixed is None and src == dst and not self.is_sext(src):
                self.emit("sext.w", src, src)
                self.ext[src] = SEXT
            if src != dst:
                moves.append((dst, src, fp, kind == "f32"))
        self.parallel_moves(moves)
        for dst, old in loads:
            self.emit("ld", dst, old)
        if any(m[2] for m in moves):
            self.notes.append(f"{callee}: FP varargs moved to integer registers (LP64D)")
        return area

    def parallel_moves(self, moves: list[tuple[str, str, bool, bool]]) -> None:
        pending = list(moves)
        while pending:
            sources = {src for _, src, fp, _ in pending if not fp}
            ready = next((m for m in pending if m[0] not in sources or
                          all(m2[1] != m[0] for m2 in pending if m2 is not m and not m2[2])), None)
            if ready is None:   # a cycle among integer moves: break it with a scratch register
                dst, src, fp, single = pending[0]
                s = self.scratch()
                self.emit("mv", s, src)
                pending[0] = (dst, s, fp, single)
                continue
            pending.remove(ready)
            dst, src, fp, single = ready
            if fp:
                # a float vararg is promoted to double in C: fmv.x.d either way
                self.emit("fmv.x.d", dst, src)
            else:
                self.emit("mv", dst, src)
            self._clobber(dst)
