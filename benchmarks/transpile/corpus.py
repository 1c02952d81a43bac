"""The C corpus for verified assembly transpilation between AArch64 and RISC-V 64.

Each program in ``corpus/`` is plain C99 that prints deterministic output, identical on both
ISAs at every optimisation level; ``corpus/<name>.expected`` holds that output (from the
AArch64 ``-O0`` build). File names carry the tier:

- ``t1_*``: loops and integer arithmetic;
- ``t2_*``: arrays, pointers, structs, recursion, switches (dense ones become jump tables),
  function pointers;
- ``t3_*``: mixed-width and unsigned integers, shifts, conversions, float and double,
  library calls (memcpy, qsort, strcmp, printf with doubles and with stack arguments), globals.

``python benchmarks/transpile/corpus.py --regenerate`` rewrites the ``.expected`` files
(only after a deliberate change to a program). Stdlib only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from synth.errors import ToolMissingError
from synth.transpile import toolchain

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"

ISAS = ("aarch64", "riscv64")
OPT_LEVELS = ("-O0", "-O2")


def programs() -> list[Path]:
    """Every corpus program, sorted by file name."""
    return sorted(CORPUS_DIR.glob("t[123]_*.c"))


def tier(path: str | os.PathLike) -> int:
    """1, 2 or 3, read from the file name (``t2_bst.c`` -> 2)."""
    name = Path(path).name
    if len(name) > 3 and name[0] == "t" and name[1] in "123" and name[2] == "_":
        return int(name[1])
    raise ValueError(f"not a corpus program name: {name!r}")


def expected_path(path: str | os.PathLike) -> Path:
    """Where the expected output of a program is stored."""
    return Path(path).with_suffix(".expected")


def missing_tools(isas=ISAS) -> list[str]:
    """The cross compilers and qemu binaries that are not installed, as messages."""
    missing = []
    for isa in isas:
        for name in ("gcc", "qemu"):
            try:
                toolchain.tool(isa, name)
            except ToolMissingError as e:
                missing.append(e.message())
    return missing


def compile_program(source: str | os.PathLike, isa: str, opt: str, output: str | os.PathLike) -> Path:
    """Compile one program for one ISA (dynamically linked); raises toolchain.ToolError."""
    return toolchain.link(Path(source), isa, Path(output), opt)


def run_binary(binary: str | os.PathLike, isa: str) -> toolchain.RunResult:
    """Run a binary under qemu-user."""
    return toolchain.run(Path(binary), isa)


def _regenerate() -> int:
    import tempfile

    missing = missing_tools(("aarch64",))
    if missing:
        print("missing tools: " + ", ".join(missing), file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        for src in programs():
            binary = compile_program(src, "aarch64", "-O0", Path(tmp) / src.stem)
            result = run_binary(binary, "aarch64")
            if result.exit_code != 0:
                print(f"{src.name}: exit code {result.exit_code}", file=sys.stderr)
                return 1
            expected_path(src).write_text(result.stdout)
            print(f"{src.name}: {len(result.stdout.splitlines())} lines")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--regenerate"]:
        raise SystemExit(_regenerate())
    for p in programs():
        print(tier(p), p.name)
