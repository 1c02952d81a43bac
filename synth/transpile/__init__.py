"""Verified assembly transpilation between AArch64 and RISC-V 64 (`synth transpile`).

    from synth.transpile import transpile
    text, report = transpile(open("f.s").read(), "aarch64", "riscv64")
"""
from __future__ import annotations

from pathlib import Path

from synth.errors import Location, NameError_, SynthError
from synth.dsl.asm.ast import ISAS


def semantics(isa: str):
    if isa == "aarch64":
        from synth.transpile.aarch64 import SEMANTICS
    elif isa == "riscv64":
        from synth.transpile.riscv64 import SEMANTICS
    else:
        raise NameError_(f"unknown ISA {isa!r}", expected=" or ".join(ISAS))
    return SEMANTICS


def guesser(source: str, target: str, listing):
    """The rule-based guesser for a direction (a learned one would plug in here)."""
    if (source, target) == ("aarch64", "riscv64"):
        from synth.transpile.aarch64_to_riscv64 import AArch64ToRiscv64
        return AArch64ToRiscv64(listing)
    if (source, target) == ("riscv64", "aarch64"):
        from synth.transpile.riscv64_to_aarch64 import Riscv64ToAArch64
        return Riscv64ToAArch64(listing)
    raise NameError_(f"no translation from {source!r} to {target!r}",
                     expected="--from aarch64 --to riscv64, or --from riscv64 --to aarch64")


def transpile(text: str, source: str, target: str, file: str = "<string>",
              verify: bool = True, sketch: bool = True):
    """(target assembly text, Report) for source assembly text."""
    from synth.dsl.asm import format, parse
    from synth.transpile.pipeline import Transpiler
    semantics(source), semantics(target)   # unknown ISAs fail here, before parsing
    listing = parse(text, source, file)
    try:
        t = Transpiler(listing, guesser(source, target, listing), semantics(source), semantics(target),
                       verify_blocks=verify, use_sketch=sketch)
        out, report = t.translate()
    except SynthError as e:   # the guessers and semantics see instructions, not the file they came from
        if e.where is not None and e.where.file == "<string>":
            e = type(e)(e.what, where=Location(file, e.where.line, e.where.column), found=e.found,
                        expected=e.expected)
            raise e from None
        raise
    return format(out), report


def source_assembly(path: Path, source: str, opt: str = "-O0") -> str:
    """A .s file's text, or a .c file compiled with the source ISA's cross compiler."""
    from synth.transpile import toolchain
    if path.suffix == ".c":
        return toolchain.compile_to_assembly(path, source, opt)
    return path.read_text()
