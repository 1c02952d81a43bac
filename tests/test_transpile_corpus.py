"""The transpilation corpus: every C program builds for AArch64 and RISC-V 64 at -O0 and -O2,
runs under qemu-user, exits 0, and prints the same output in all four builds, equal to the
stored ``.expected`` file."""

from __future__ import annotations

import importlib.util
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from synth.transpile.toolchain import ToolError

_CORPUS_PY = Path(__file__).resolve().parents[1] / "benchmarks" / "transpile" / "corpus.py"
_spec = importlib.util.spec_from_file_location("transpile_corpus", _CORPUS_PY)
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

PROGRAMS = corpus.programs()
VARIANTS = [(isa, opt) for isa in corpus.ISAS for opt in corpus.OPT_LEVELS]
ALLOWED_HEADERS = {"stdio.h", "string.h", "stdlib.h", "stdint.h"}


def test_corpus_shape():
    assert len(PROGRAMS) >= 45
    tiers = [corpus.tier(p) for p in PROGRAMS]
    for t in (1, 2, 3):
        assert tiers.count(t) >= 13, f"tier {t} has only {tiers.count(t)} programs"
    assert corpus.tier("t2_bst.c") == 2
    with pytest.raises(ValueError):
        corpus.tier("bst.c")


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_program_source_rules(path):
    text = path.read_text()
    lines = text.splitlines()
    assert lines[0].startswith("/*") and lines[0].endswith("*/"), "first line: a one-line comment"
    assert 15 <= len(lines) <= 80, f"{len(lines)} lines"
    headers = set(re.findall(r"#include\s*<([^>]+)>", text))
    assert headers <= ALLOWED_HEADERS, headers - ALLOWED_HEADERS
    assert "long double" not in text
    assert corpus.expected_path(path).is_file(), "missing .expected file"


def _build_and_run(src: Path, isa: str, opt: str, workdir: Path):
    binary = workdir / f"{src.stem}.{isa}{opt}"
    try:
        corpus.compile_program(src, isa, opt, binary)
    except ToolError as err:
        return ("compile", err.message())
    result = corpus.run_binary(binary, isa)
    return ("timeout" if result.timed_out else result.exit_code, result.stdout)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(program stem, isa, opt) -> (exit code or failure kind, stdout), all built in parallel."""
    missing = corpus.missing_tools()
    if missing:
        pytest.skip("cross toolchain or qemu-user missing: " + ", ".join(missing))
    workdir = tmp_path_factory.mktemp("corpus")
    jobs = [(src, isa, opt) for src in PROGRAMS for isa, opt in VARIANTS]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {(src.stem, isa, opt): pool.submit(_build_and_run, src, isa, opt, workdir)
                   for src, isa, opt in jobs}
        return {key: fut.result() for key, fut in futures.items()}


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_program_output_identical(runs, path):
    expected = corpus.expected_path(path).read_text()
    assert expected, "empty .expected file"
    outputs = {}
    for isa, opt in VARIANTS:
        status, out = runs[(path.stem, isa, opt)]
        assert status == 0, f"{isa} {opt}: {status} {out!r:.500}"
        assert out, f"{isa} {opt}: no output"
        outputs[f"{isa} {opt}"] = out
    reference = outputs["aarch64 -O0"]
    for variant, out in outputs.items():
        assert out == reference, f"{variant} differs from aarch64 -O0"
    assert reference == expected, "output differs from the stored .expected file"
