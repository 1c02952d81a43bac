"""Put a target listing together from the guessed (and repaired) blocks of every function."""
from __future__ import annotations

from typing import Callable

from synth.dsl.asm.ast import Instruction, Label, Listing
from synth.transpile.cfg import Block, Function, Program



def listing(program: Program, target: str, data: Callable, prologue: Callable,
            block_text: Callable[[Function, Block], tuple[Instruction, ...]]) -> Listing:
    """Items outside functions are translated by `data` in runs; each function's blocks by
    `block_text`; directives inside a function (a jump table's `.section .rodata` and
    `.word`s, alignment) go through `data` too and stay where they stood."""
    items: list = []
    run: list = []

    def flush():
        if run:
            items.extend(data(tuple(run)))
            run.clear()

    for entry in program.layout:
        if not isinstance(entry, Function):
            run.append(entry)
            continue
        flush()
        items.extend(prologue(entry))
        items.extend(_in_place(entry, block_text, data))
    flush()
    return Listing(target, tuple(items))


def _in_place(function: Function, block_text: Callable, inner: Callable) -> list:
    """The function's blocks with its directives where they stood between them."""
    out: list = []
    pending = list(function.blocks)
    left = 0                                  # instructions of the current block still to pass

    def start():
        nonlocal left
        block = pending.pop(0)
        if block.label is not None:
            out.append(Label(block.label))
        out.extend(block_text(function, block))
        left = len(block.instructions)

    start()                                   # the block at the function's own label
    for item in function.items:
        if isinstance(item, Label):
            if not pending or pending[0].label != item.name:
                raise ValueError(f"{function.name}: label {item.name} does not start a block")
            start()
        elif isinstance(item, Instruction):
            if left == 0:
                start()
            left -= 1
        else:
            out.extend(inner((item,)))
    while pending:
        start()
    return out
