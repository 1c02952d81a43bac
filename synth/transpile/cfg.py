"""Functions and basic blocks of a listing.

A function runs from its `.type NAME, %function` (or `@function`) label to its `.size NAME`
directive. Its basic blocks start at the function's label, at every other label inside it and
after every control-flow instruction; a call ends a block too, so that the verifier checks the
arguments at the call and takes the callee's results as inputs of the next block. Everything
outside functions (data, read-only data, section switches) is kept as items in order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from synth.dsl.asm.ast import Directive, Instruction, Item, Label, Listing

# Mnemonics after which control may not fall through to the next instruction, per ISA.
CONTROL = {
    # gcc writes conditional branches without the dot (`bne`); GNU as reads both spellings.
    "aarch64": re.compile(r"^(b|b\.?(?:eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al|nv)|"
                          r"bl|blr|br|ret|cbz|cbnz|tbz|tbnz)$"),
    "riscv64": re.compile(r"^(j|jal|jalr|jr|call|tail|ret|beq|bne|blt|bge|bltu|bgeu|beqz|bnez|"
                          r"blez|bgez|bltz|bgtz|bgt|ble|bgtu|bleu)$"),
}


@dataclass(frozen=True)
class Block:
    label: str | None                 # None for a block that starts after a branch or call
    instructions: tuple[Instruction, ...]
    index: int                        # position in its function, for reports

    @property
    def name(self) -> str:
        return self.label or f"#{self.index}"


@dataclass(frozen=True)
class Function:
    name: str
    items: tuple[Item, ...]           # everything between the label and .size, in order
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Program:
    """A listing cut into functions; `layout` interleaves them with the other items."""
    isa: str
    layout: tuple[Item | Function, ...]

    @property
    def functions(self) -> tuple[Function, ...]:
        return tuple(x for x in self.layout if isinstance(x, Function))


def function_names(listing: Listing) -> set[str]:
    names = set()
    for item in listing.items:
        if isinstance(item, Directive) and item.name == ".type":
            parts = [p.strip() for p in item.args.split(",")]
            if len(parts) == 2 and parts[1] in ("%function", "@function"):
                names.add(parts[0])
    return names


def program(listing: Listing) -> Program:
    names = function_names(listing)
    layout: list = []
    current: list[Item] | None = None
    name = None
    for item in listing.items:
        if current is None:
            if isinstance(item, Label) and item.name in names:
                current, name = [], item.name
            else:
                layout.append(item)
            continue
        if isinstance(item, Directive) and item.name == ".size" and item.args.split(",")[0].strip() == name:
            layout.append(Function(name, tuple(current), blocks(name, current, listing.isa)))
            layout.append(item)
            current = None
        else:
            current.append(item)
    if current is not None:   # no .size: the function runs to the end of the listing
        layout.append(Function(name, tuple(current), blocks(name, current, listing.isa)))
    return Program(listing.isa, tuple(layout))


def blocks(name: str, items: list[Item], isa: str) -> tuple[Block, ...]:
    """Cut at labels and after control flow. A label right after another (gcc's `main:` then
    `.LFB0:`) gives an empty block that falls through: harmless, and every label keeps a block."""
    control = CONTROL[isa]
    result: list[Block] = []
    label, body = name, []
    for item in items:
        if isinstance(item, Label) or (isinstance(item, Instruction) and control.match(item.mnemonic)):
            if isinstance(item, Instruction):
                body.append(item)
            if body or label is not None:
                result.append(Block(label, tuple(body), len(result)))
            label, body = (item.name if isinstance(item, Label) else None), []
        elif isinstance(item, Instruction):
            body.append(item)
    if body or label is not None:
        result.append(Block(label, tuple(body), len(result)))
    return tuple(result)


def strings(listing: Listing) -> dict[str, str]:
    """label -> text of the string constant (printf formats, mostly) that starts there: the
    bytes of the `.ascii`, `.string` and `.asciz` directives from the label to the first NUL
    (a `.string` or `.asciz` literal ends in one); a label whose bytes run out without a NUL,
    or reach alignment padding first, is not recorded."""
    out, labels, text = {}, [], ""
    for item in listing.items:
        if isinstance(item, Label):
            labels.append((item.name, len(text)))
        elif isinstance(item, Directive) and item.name in (".ascii", ".string", ".asciz"):
            ending = "" if item.name == ".ascii" else "\0"
            text += "".join(c_string(literal) + ending for literal in _LITERAL.findall(item.args))
            out.update((name, text[start:text.index("\0", start)]) for name, start in labels
                       if "\0" in text[start:])
            labels = [(name, start) for name, start in labels if "\0" not in text[start:]]
        elif isinstance(item, Directive) and item.name in (".align", ".p2align", ".balign"):
            labels = [(name, start) for name, start in labels if start == len(text)]   # padding
        else:
            labels, text = [], ""
    return out


_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "a": "\a", "b": "\b",
            "f": "\f", "v": "\v", "'": "'"}


def c_string(literal: str) -> str:
    """The bytes of a gas string literal `"..."`, as text (one character per byte)."""
    body = literal.strip()
    if body.startswith('"') and body.endswith('"'):
        body = body[1:-1]
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1:i + 2]
        if nxt.isdigit():
            digits = re.match(r"[0-7]{1,3}", body[i + 1:])[0]
            out.append(chr(int(digits, 8)))
            i += 1 + len(digits)
        elif nxt == "x":
            digits = re.match(r"[0-9a-fA-F]+", body[i + 2:])[0]
            out.append(chr(int(digits, 16) & 0xFF))
            i += 2 + len(digits)
        else:
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
    return "".join(out)


def address_taken(listing: Listing, functions: set[str]) -> set[str]:
    """Functions whose address is used other than by a direct call: in an instruction that is
    not a call (adrp, lla, add :lo12:) or in data (.xword f). They may be called from outside
    the listing (qsort's comparator) or through a register."""
    import re as _re
    from synth.dsl.asm.ast import Mem, Sym
    taken = set()
    calls = _re.compile(r"^(bl|b|call|tail|j|jal)$")
    for item in listing.items:
        if isinstance(item, Instruction) and not calls.match(item.mnemonic):
            for op in item.operands:
                sym = op.offset if isinstance(op, Mem) else op
                if isinstance(sym, Sym) and sym.name in functions:
                    taken.add(sym.name)
        elif isinstance(item, Directive):
            taken.update(w for w in _re.findall(r"[A-Za-z_.$][\w.$]*", item.args) if w in functions
                         and item.name not in (".type", ".size", ".globl", ".global", ".local"))
    return taken
