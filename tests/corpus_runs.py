"""Shared by the guessers' tests: translate every corpus program with the guess alone (the
pipeline with verification off), link it for the target, run it under qemu-user, and compare
with the program's expected output."""
from __future__ import annotations

import importlib.util
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from synth.errors import SynthError
from synth.transpile import toolchain, transpile

_CORPUS_PY = Path(__file__).resolve().parents[1] / "benchmarks" / "transpile" / "corpus.py"
_spec = importlib.util.spec_from_file_location("transpile_corpus", _CORPUS_PY)
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)


# Every corpus program by name, written out so a renamed or lost program fails the tests.
ALL_PROGRAMS = frozenset("""
    t1_binomial t1_bitcount t1_break_continue t1_collatz t1_digits t1_divmod t1_fib_iter
    t1_gcd_lcm t1_horner t1_isqrt t1_lcg t1_minmax_abs t1_modpow t1_nested_loops t1_perfect
    t1_primes t1_sum_loop t2_binary_search t2_bst t2_expr_parser t2_func_ptr t2_linked_list
    t2_matrix t2_pointers t2_queens t2_quicksort t2_recursion t2_shapes t2_sorting
    t2_strings_manual t2_struct_value t2_switch_dense t2_switch_sparse t2_tokenizer_fsm t2_vm
    t3_bitcast t3_char_short t3_conversions t3_crc32 t3_double_conv t3_double_series
    t3_fixed_point t3_float_arith t3_globals t3_hashes t3_memcpy_memset t3_mul64 t3_printf_many
    t3_qsort t3_rodata t3_shifts t3_snprintf t3_stdlib_misc t3_strings t3_unsigned_wrap
""".split())


def guess_and_run(src: Path, opt: str, source: str, target: str, workdir: Path) -> tuple[str, str]:
    stem = f"{src.stem}{opt}"
    try:
        text, _ = transpile(toolchain.compile_to_assembly(src, source, opt), source, target,
                            file=f"{stem}.s", verify=False)
        (workdir / f"{stem}.s").write_text(text)
        binary = toolchain.link(workdir / f"{stem}.s", target, workdir / stem)
    except SynthError as err:
        return "error", err.message()
    result = toolchain.run(binary, target)
    if result.timed_out:
        return "timeout", ""
    if result.exit_code != 0 or result.stdout != corpus.expected_path(src).read_text():
        return "wrong output", f"exit {result.exit_code}"
    return "pass", ""


def all_runs(source: str, target: str, workdir: Path) -> dict:
    """(program stem, opt) -> (status, detail) for the whole corpus, in parallel processes
    (Z3, used by the pipeline's liveness, is not safe to share between threads)."""
    missing = corpus.missing_tools()
    if missing:
        pytest.skip("cross toolchain or qemu-user missing: " + ", ".join(missing))
    jobs = [(src, opt) for src in corpus.programs() for opt in corpus.OPT_LEVELS]
    with ProcessPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        futures = {(src.stem, opt): pool.submit(guess_and_run, src, opt, source, target, workdir)
                   for src, opt in jobs}
        return {key: f.result() for key, f in futures.items()}


def check_passing(runs: dict, passing: set[str], opt: str, direction: str) -> None:
    results = {stem: status for (stem, o), status in runs.items() if o == opt}
    assert passing <= set(results), "programs missing from the corpus"
    broken = {stem: results[stem] for stem in sorted(passing) if results[stem][0] != "pass"}
    assert not broken, f"{opt}: no longer pass: {broken}"
    print(f"{direction} {opt}: {sum(s == 'pass' for s, _ in results.values())}/{len(results)} programs pass")
