"""Jump tables and data. gcc's AArch64 tables hold `(L - .Lrtx) / 4` entries of one or two bytes,
scaled by 4 at the branch; RISC-V instructions are not all 4 bytes long, so each table is
written anew (prologue) as 32-bit byte offsets under a new label, and the load from it
becomes a word load. Data directives are renamed for the RISC-V assembler."""
from __future__ import annotations

import re
from dataclasses import dataclass

from synth.dsl.asm.ast import Directive, Imm, Item, Label, Mem, Reg, Sym
from synth.transpile.aarch64_to_riscv64.values import SEXT
from synth.transpile.cfg import Function

_TABLE_ENTRY = re.compile(r"^\(\s*([\w.$]+)\s*-\s*([\w.$]+)\s*\)\s*/\s*4$")
_TABLE_SIZES = {".byte": 1, ".hword": 2, ".2byte": 2, ".short": 2, ".word": 4, ".4byte": 4}


@dataclass(frozen=True)
class Table:
    """A jump table of the source, and the label its rewritten copy gets."""
    label: str
    base: str                                  # the .Lrtx label the offsets count from
    targets: tuple[str, ...]
    size: int                                  # bytes per source entry

    @property
    def renamed(self) -> str:
        return self.label + ".rv"


def jump_tables(function: Function) -> dict[str, Table]:
    """label -> table, for every run of `(L - base) / 4` entries after a label in the function."""
    tables, label, entries, size = {}, None, [], 0

    def close():
        if label is not None and entries:
            tables[label] = Table(label, entries[0][1], tuple(t for t, _ in entries), size)

    for item in function.items:
        if isinstance(item, Label):
            close()
            label, entries = item.name, []
        elif isinstance(item, Directive) and item.name in _TABLE_SIZES and label is not None:
            m = _TABLE_ENTRY.match(item.args)
            if m is None:
                label = None
                continue
            entries.append((m[1], m[2]))
            size = _TABLE_SIZES[item.name]
        elif isinstance(item, Directive) and item.name in (".align", ".p2align", ".section"):
            continue
        else:
            close()
            label, entries = None, []
    close()
    return tables


def rewritten(tables: dict[str, Table]) -> tuple[Item, ...]:
    """The tables as 32-bit byte offsets in .rodata, under their new labels."""
    out: list[Item] = []
    for table in tables.values():
        out += [Directive(".pushsection", ".rodata"), Directive(".p2align", "2"),
                Label(table.renamed)]
        out += [Directive(".word", f"{t}-{table.base}") for t in table.targets]
        out.append(Directive(".popsection"))
    return tuple(out)


_DIRECTIVE_RENAMES = {".xword": ".dword", ".hword": ".half", ".dword": ".dword"}
_RV_ATTRIBUTES = [Directive(".option", "pic"),
                  Directive(".attribute", 'arch, "rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0_zifencei2p0"'),
                  Directive(".attribute", "unaligned_access, 0"),
                  Directive(".attribute", "stack_align, 16")]


def data_directive(d: Directive) -> list[Item]:
    """A directive outside functions as the RISC-V assembler wants it (none, or several)."""
    if d.name in _TABLE_SIZES and _TABLE_ENTRY.match(d.args):
        return []   # a jump table's entry: prologue() writes the table anew
    if d.name == ".arch":
        return list(_RV_ATTRIBUTES)
    if d.name in (".cpu", ".arch_extension", ".variant_pcs") or d.name.startswith(".cfi"):
        return []
    if d.name in _DIRECTIVE_RENAMES:
        return [Directive(_DIRECTIVE_RENAMES[d.name], d.args, d.line)]
    if d.name in (".type", ".section", ".pushsection"):
        return [Directive(d.name, re.sub(r"%(function|object|progbits|nobits|notype|"
                                         r"gnu_indirect_function|tls_object)", r"@\1", d.args), d.line)]
    return [d]


class TableRules:
    """Block rules for the load and the address arithmetic of a jump-table branch."""

    def _table_load(self, dst: Reg, mem: Mem) -> bool:
        if not isinstance(mem.offset, Reg) or not self._ends_in_table_branch():
            return False
        base, index = self.t(mem.base), self.t(mem.offset)
        rd = self.t(dst)
        s = self.scratch()
        self.zext(index, s, 2)
        self.emit("add", s, base, s)
        self.emit("lw", rd, Mem(Reg(s), Imm(0)))
        self.known(rd, SEXT)
        self.notes.append(f"jump table entries rewritten as 32-bit byte offsets ({self.block.name})")
        return True

    def _ends_in_table_branch(self) -> bool:
        instrs = self.block.instructions
        if not instrs or instrs[-1].mnemonic != "br" or not self.info.tables:
            return False
        bases = {t.base for t in self.info.tables.values()}
        return any(i.mnemonic == "adr" and isinstance(i.operands[1], Sym) and i.operands[1].name in bases
                   for i in instrs)

    def _jump_table_add(self, dst, n, rest) -> bool:
        if not rest or not isinstance(rest[0], Reg) or len(rest) < 2 or not self._ends_in_table_branch():
            return False
        known = self.sym.get(self.t(n))
        if known is None or known.name not in {t.base for t in self.info.tables.values()}:
            return False
        self.emit("add", self.t(dst), self.t(n), self.t(rest[0]))
        return True
