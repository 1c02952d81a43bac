"""The condition flags, followed from each setter (cmp, tst, subs, fcmp, ccmp...) to its readers:
the flags are not materialised; a reader's condition becomes a test on the setter's operands,
which are copied aside if overwritten in between. A block reading flags set by its only
predecessor takes them over from a translation of that predecessor."""
from __future__ import annotations

from dataclasses import dataclass

from synth.dsl.asm.ast import Imm, Instruction, Keyword, Reg
from synth.transpile.aarch64_to_riscv64.mnemonics import (
    FLAG_READERS,
    FLAG_SETTERS,
    INVERSE,
    branch_condition,
    condition_of,
    holds,
)
from synth.transpile.aarch64_to_riscv64.values import Unsupported, fits12, sext32
from synth.transpile.guess import RegisterMap
from synth.transpile.machine import UnsupportedInstruction


@dataclass
class Flags:
    """What the last flag setter compared. kind "sub" (a - b), "add" (a + b), "and" (a & b),
    "fp" (fcmp a, b), "bool" (a holds 0/1: whether `cond` holds)."""
    kind: str
    a: str
    b: str | int | None
    bits: int
    result: str | None = None
    cond: str | None = None
    precision: str = "d"


_FP_TESTS = {frozenset({"lt"}): ("flt", False), frozenset({"eq"}): ("feq", False),
             frozenset({"gt"}): ("flt", True), frozenset({"lt", "eq"}): ("fle", False),
             frozenset({"gt", "eq"}): ("fle", True), frozenset({"un"}): "unordered",
             frozenset({"lt", "gt"}): "ltgt", frozenset(): "never"}


class FlagRules:
    """Flag tracking, compares and tests of a condition."""

    def _protect_flags(self, written: list[str]) -> None:
        """Copy a compared register aside before an instruction overwrites it, if a later
        instruction of this block still reads the flags."""
        f = self.flags
        instr = self.block.instructions[self.k]
        if f is None or instr.mnemonic in FLAG_SETTERS and instr.mnemonic not in FLAG_READERS:
            return
        # a reader reads the flags before it writes its destination
        reader = instr.mnemonic in FLAG_READERS or branch_condition(instr.mnemonic)
        if not self._flags_read_later(self.k + 1 if reader else self.k):
            return
        for attr in ("a", "b", "result"):
            reg = getattr(f, attr)
            if isinstance(reg, str) and reg in written and reg != "zero":
                if f.kind == "fp":
                    copy = self._pin_fp()
                    self.emit("fmv." + f.precision, copy, reg)
                else:
                    copy = self._pin()
                    self.emit("mv", copy, reg)
                    self.ext[copy] = self.ext.get(reg)
                setattr(f, attr, copy)

    def _flags_read_later(self, start: int | None = None) -> bool:
        for instr in self.block.instructions[(self.k if start is None else start):]:
            if instr.mnemonic in FLAG_READERS or branch_condition(instr.mnemonic):
                return True
            if instr.mnemonic in FLAG_SETTERS or instr.mnemonic in ("bl", "blr"):
                return False
        return self.index in self.info.flags_live_out

    def _next_reader(self) -> Instruction | None:
        for instr in self.block.instructions[self.k + 1:]:
            if instr.mnemonic in FLAG_READERS or branch_condition(instr.mnemonic):
                return instr
            if instr.mnemonic in FLAG_SETTERS:
                return None
        return None

    def _pin(self) -> str:
        """An integer register that keeps a compared value until the flags change."""
        return self._take(self.int_scratch + self._dead(), self.pinned,
                          "out of scratch registers to hold a comparison")

    def _pin_fp(self) -> str:
        """An FP register that keeps a compared value until the flags change."""
        return self._take(self.fp_scratch, self.pinned, "out of FP scratch registers to hold a comparison")

    def set_flags(self, flags: Flags) -> None:
        self.pinned = [r for r in self.pinned if r in (flags.a, flags.b, flags.result)]
        self.flags = flags

    def _keep(self, reg: str) -> str:
        """Move a just-computed scratch value to a pinned register for a later flag reader."""
        p = self._pin()
        self.emit("mv", p, reg)
        self.ext[p] = self.ext.get(reg)
        return p

    def _inherited_flags(self) -> Flags | None:
        """The flags a block reads before setting any: those its predecessors set last, when
        every predecessor leaves the same comparison in the same registers (gcc joins two
        branches on one `cmp w0, 0` each), and the compared registers still hold the values."""
        first = next((i for i in self.block.instructions if i.mnemonic in FLAG_READERS
                      or branch_condition(i.mnemonic) or i.mnemonic in FLAG_SETTERS), None)
        if first is None or (first.mnemonic in FLAG_SETTERS and first.mnemonic not in FLAG_READERS):
            return None
        predecessors = [p for p, succ in enumerate(self.info.successors) if self.index in succ]
        if not predecessors or self.depth > 8:
            return None
        subs = []
        for index in predecessors:
            prev = self.info.function.blocks[index]
            # Translate the predecessor again to learn where its translation leaves the flags'
            # operands (mapped registers, or scratch registers it kept them in).
            sub = type(self)(self.g, self.info, index, prev, RegisterMap(self.map, self.scratch_names))
            sub.depth = self.depth + 1
            try:
                sub.run()
            except UnsupportedInstruction:
                return None
            if sub.flags is None or sub.flags != (subs[0].flags if subs else sub.flags):
                return None
            subs.append(sub)
        flags = subs[0].flags
        self.pinned = sorted({r for sub in subs for r in sub.pinned})
        for reg in (flags.a, flags.b, flags.result):
            if isinstance(reg, str):
                states = {sub.ext.get(reg) for sub in subs}
                self.ext[reg] = states.pop() if len(states) == 1 else None
        names = ", ".join(self.info.function.blocks[i].name for i in predecessors)
        self.notes.append(f"{self.block.name} reads the flags set in {names}")
        return flags

    # -- compares --

    def _cmp(self, instr, a, *rest):
        self.compare_with("sub", a, rest)

    def _tst(self, instr, a, *rest):
        self.compare_with("and", a, rest)

    def compare_with(self, kind: str, a: Reg, rest: tuple) -> None:
        """Flags of `a - operand2` or `a & operand2`."""
        bits = self.bits(a)
        m = self.operand2(rest, bits)
        if isinstance(m, str) and m in self.used:
            m = self._keep(m)
        self.set_flags(Flags(kind, self.t(a), m, bits))

    def _cmn(self, instr, a, *rest):
        bits = self.bits(a)
        m = self.operand2(rest, bits)
        if isinstance(m, int):
            self.set_flags(Flags("sub", self.t(a), -m if bits == 64 else sext32(-m), bits))
            return
        if m in self.used:
            m = self._keep(m)
        self.set_flags(Flags("add", self.t(a), m, bits))

    def _fcmp(self, instr, a, b):
        bits = self.bits(a)
        prec = "s" if bits == 32 else "d"
        fb = self.t(b) if isinstance(b, Reg) else None
        if fb is None:
            if not isinstance(b, Imm) or b.value != 0:
                raise Unsupported("fcmp with a nonzero immediate")
            fb = self._pin_fp()
            self.emit("fmv.w.x" if prec == "s" else "fmv.d.x", fb, "zero")
        self.set_flags(Flags("fp", self.t(a), fb, bits, precision=prec))

    _fcmpe = _fcmp

    def _ccmp(self, instr, a, b, nzcv, cond):
        self.conditional_compare("sub", a, b, nzcv, cond)

    def _ccmn(self, instr, a, b, nzcv, cond):
        self.conditional_compare("add", a, b, nzcv, cond)

    def _fccmp(self, instr, a, b, nzcv, cond):
        self.conditional_compare("fp", a, b, nzcv, cond)

    _fccmpe = _fccmp

    def conditional_compare(self, kind: str, a: Reg, b, nzcv: Imm, cond: Keyword) -> None:
        """flags = cond ? compare(a, b) : nzcv. Held as one boolean: whether the next reader's
        condition holds."""
        reader = self._next_reader()
        want = condition_of(reader) if reader is not None else None
        if want is None:
            raise Unsupported("conditional compare without a reader in its block")
        first = self._bool(cond.name)
        if first in self.used:
            self.used.remove(first)
            self.pinned.append(first)
            hold = first
        else:
            hold = self._pin()
            self.emit("mv", hold, first)
        bits = self.bits(a)
        if kind == "fp":
            prec = "s" if bits == 32 else "d"
            fb = self.t(b) if isinstance(b, Reg) else None
            if fb is None:
                fb = self.fscratch()
                self.emit("fmv.w.x" if prec == "s" else "fmv.d.x", fb, "zero")
            second_flags = Flags("fp", self.t(a), fb, bits, precision=prec)
        else:
            m = self.operand2((b,), bits)
            if kind == "add" and isinstance(m, int):
                kind, m = "sub", (-m if bits == 64 else sext32(-m))
            second_flags = Flags(kind, self.t(a), m, bits)
        saved, self.flags = self.flags, second_flags
        second = self._bool(want)
        self.flags = saved
        n, z, c, v = ((nzcv.value >> 3) & 1, (nzcv.value >> 2) & 1, (nzcv.value >> 1) & 1, nzcv.value & 1)
        if holds(want, n, z, c, v):
            self.emit("xori", hold, hold, 1)
            self.emit("or", hold, hold, second)
        else:
            self.emit("and", hold, hold, second)
        self.pinned = [hold]
        self.flags = Flags("bool", hold, None, 64, cond=want)

    # -- conditions on the flags --

    def test(self, cond: str):
        """The current flags' `cond` as ("int", op, x, y) with op one of eq ne lt ge ltu geu,
        or ("bool", reg, negate)."""
        f = self.flags
        if f is None:
            raise Unsupported("flags read in a different block than they are set")
        if cond in ("al", "nv"):
            return ("int", "eq", "zero", "zero")
        if f.kind == "bool":
            if cond == f.cond:
                return ("bool", f.a, False)
            if cond == INVERSE[f.cond]:
                return ("bool", f.a, True)
            raise Unsupported(f"condition {cond} on a combined comparison for {f.cond}")
        if f.kind == "fp":
            return self.fp_test(f, cond)
        if cond in ("vs", "vc"):
            raise Unsupported("overflow condition")
        if f.kind == "and":
            return self.and_test(f, cond)
        if f.kind == "add":
            return self.add_test(f, cond)
        if cond in ("mi", "pl") or f.a is None:
            if cond not in ("eq", "ne", "mi", "pl") or f.result is None and f.a is None:
                raise Unsupported(f"condition {cond} after its operands were overwritten")
            if f.result is not None:
                r = f.result if f.bits == 64 or cond in ("eq", "ne") and self.is_zext(f.result) \
                    else self.sext(f.result)
            else:
                r = self.scratch()
                b = f.b if isinstance(f.b, str) else self.imm_reg(f.b)
                self.emit("subw" if f.bits == 32 else "sub", r, f.a, b)
                self.release(b)
            op = {"eq": "eq", "ne": "ne", "mi": "lt", "pl": "ge"}[cond]
            return ("int", op, r, "zero")
        signed = cond in ("lt", "ge", "gt", "le")
        if isinstance(f.b, int) and f.b and fits12(-f.b) and \
                (cond in ("eq", "ne") or signed and f.bits == 32):
            # against an immediate: the difference against zero, in one scratch register (a
            # difference of sign-extended words cannot overflow 64 bits)
            r = self.scratch()
            if cond in ("eq", "ne"):
                self.emit("addiw" if f.bits == 32 else "addi", r, f.a, -f.b)
            else:
                self.emit("addi", r, self.sext_into(f.a, r), -sext32(f.b))
            op, swap = {"eq": ("eq", False), "ne": ("ne", False), "lt": ("lt", False),
                        "ge": ("ge", False), "gt": ("lt", True), "le": ("ge", True)}[cond]
            return ("int", op, "zero", r) if swap else ("int", op, r, "zero")
        a, b = self.normalised(f.a, f.b, f.bits, signed)
        op, swap = {"eq": ("eq", False), "ne": ("ne", False), "lt": ("lt", False),
                    "ge": ("ge", False), "gt": ("lt", True), "le": ("ge", True),
                    "lo": ("ltu", False), "cc": ("ltu", False), "hs": ("geu", False),
                    "cs": ("geu", False), "hi": ("ltu", True), "ls": ("geu", True)}[cond]
        return ("int", op, b, a) if swap else ("int", op, a, b)

    def normalised(self, a: str, b, bits: int, signed: bool) -> tuple[str, str]:
        """Both compare operands as registers whose full 64 bits order like their low `bits`."""
        if bits == 64:
            return a, (b if isinstance(b, str) else self.imm_reg(b))
        if isinstance(b, int):
            b = sext32(b)
            if not signed and self.is_zext(a) and not self.is_sext(a):
                return a, self.imm_reg(b & 0xFFFFFFFF)
            return self.sext(a), self.imm_reg(b)
        if not signed and self.is_zext(a) and self.is_zext(b):
            return a, b
        return self.sext(a), self.sext(b)

    def and_test(self, f: Flags, cond: str):
        if cond in ("hs", "cs", "hi"):
            return ("int", "ne", "zero", "zero")
        if cond in ("lo", "cc", "ls"):
            return ("int", "eq", "zero", "zero")
        if f.result is not None:
            r = f.result
        else:
            r = self.scratch()
            if isinstance(f.b, int):
                if fits12(f.b):
                    self.emit("andi", r, f.a, f.b)
                else:
                    self.emit("li", r, f.b)
                    self.emit("and", r, f.a, r)
            else:
                self.emit("and", r, f.a, f.b)
            self.ext[r] = None
        if f.bits == 32 and not self.is_sext(r) and not (cond in ("eq", "ne") and self.is_zext(r)):
            r = self.sext(r)
        return {"eq": ("int", "eq", r, "zero"), "ne": ("int", "ne", r, "zero"),
                "mi": ("int", "lt", r, "zero"), "lt": ("int", "lt", r, "zero"),
                "pl": ("int", "ge", r, "zero"), "ge": ("int", "ge", r, "zero"),
                "gt": ("int", "lt", "zero", r), "le": ("int", "ge", "zero", r)}[cond]

    def add_test(self, f: Flags, cond: str):
        if cond in ("eq", "ne", "mi", "pl") or (f.bits == 32 and cond in ("lt", "ge", "gt", "le")):
            r = self.scratch()
            if f.bits == 32 and cond not in ("eq", "ne", "mi", "pl"):
                a, b = self.sext(f.a), self.sext(f.b)
                self.emit("add", r, a, b)    # the exact sum: no 33-bit overflow in 64 bits
            else:
                self.emit("addw" if f.bits == 32 else "add", r, f.a, f.b)
            op = {"eq": ("eq", r, "zero"), "ne": ("ne", r, "zero"), "mi": ("lt", r, "zero"),
                  "pl": ("ge", r, "zero"), "lt": ("lt", r, "zero"), "ge": ("ge", r, "zero"),
                  "gt": ("lt", "zero", r), "le": ("ge", "zero", r)}[cond]
            return ("int", *op)
        raise Unsupported(f"condition {cond} after cmn/adds of registers")

    def fp_test(self, f: Flags, cond: str):
        outcomes = {"lt": (1, 0, 0, 0), "eq": (0, 1, 1, 0), "gt": (0, 0, 1, 0), "un": (0, 0, 1, 1)}
        true_for = frozenset(o for o, nzcv in outcomes.items() if holds(cond, *nzcv))
        negate = False
        if true_for not in _FP_TESTS:
            true_for, negate = frozenset(outcomes) - true_for, True
        p = f.precision
        s = self.scratch()
        how = _FP_TESTS[true_for]
        if how == "never":
            return ("int", "eq" if negate else "ne", "zero", "zero")
        if how == "unordered":
            s2 = self.scratch()
            self.emit(f"feq.{p}", s, f.a, f.a)
            self.emit(f"feq.{p}", s2, f.b, f.b)
            self.emit("and", s, s, s2)
            self.release(s2)
            return ("bool", s, not negate)
        if how == "ltgt":
            s2 = self.scratch()
            self.emit(f"flt.{p}", s, f.a, f.b)
            self.emit(f"flt.{p}", s2, f.b, f.a)
            self.emit("or", s, s, s2)
            self.release(s2)
            return ("bool", s, negate)
        op, swap = how
        x, y = (f.b, f.a) if swap else (f.a, f.b)
        self.emit(f"{op}.{p}", s, x, y)
        return ("bool", s, negate)
