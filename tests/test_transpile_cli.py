"""`synth transpile` end to end: real cross compilers, Z3 and qemu-user, on tiny programs."""
import json
import shutil
import subprocess
import sys

import pytest

from synth.cli import EXIT_UNPROVED, main

TOOLS = ("aarch64-linux-gnu-gcc", "riscv64-linux-gnu-gcc", "qemu-aarch64", "qemu-riscv64")
pytestmark = pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                                reason="cross compilers or qemu-user missing")

# A double passed to printf: in d0 on AArch64, in an integer register on RISC-V (variadic).
PROGRAM = """#include <stdio.h>
double scale = 2.5;
static int twice(int x) { return 2 * x + 1; }
int main(void) {
    long s = 0;
    for (int i = 0; i < 10; i++) s += twice(i);
    printf("%ld %.3f\\n", s, scale);
    return 0;
}
"""


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "p.c"
    path.write_text(PROGRAM)
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("source,target", [("aarch64", "riscv64"), ("riscv64", "aarch64")])
def test_every_block_proved_and_the_output_matches(capsys, program, tmp_path, source, target):
    out, report = tmp_path / "out.s", tmp_path / "report.json"
    code, stdout, err = run(capsys, "transpile", program, "--from", source, "--to", target,
                            "-o", out, "--report", report, "--run")
    data = json.loads(report.read_text())
    assert code == 0, (stdout, err, data["unproved"])
    assert data["blocks"] == data["proved"] > 5 and data["unknown"] == data["failed"] == 0
    assert data["unproved"] == [] and data["run"]["same_output"] is True
    assert "UNPROVED" not in out.read_text()
    assert "same output" in stdout


def test_the_target_is_transpiled_from_the_source_assembly(capsys, program, tmp_path):
    """A .s input works the same as the .c it came from, and the target assembles for its ISA."""
    asm = tmp_path / "p.s"
    subprocess.run(["aarch64-linux-gnu-gcc", "-O2", "-S", "-o", str(asm), str(program)], check=True)
    out = tmp_path / "out.s"
    code, _, _ = run(capsys, "transpile", asm, "--from", "aarch64", "--to", "riscv64", "-o", out)
    assert code == 0
    text = out.read_text()
    assert "call\tprintf" in text and "ldr" not in text     # RISC-V, not AArch64


def test_unverified_output_is_marked_and_exits_with_its_own_code(capsys, program, tmp_path):
    out, report = tmp_path / "out.s", tmp_path / "r.json"
    code, _, _ = run(capsys, "transpile", program, "--from", "aarch64", "--to", "riscv64",
                     "-o", out, "--report", report, "--no-verify")
    data = json.loads(report.read_text())
    assert code == EXIT_UNPROVED == 3
    assert data["proved"] == 0 and data["unknown"] == data["blocks"] > 5
    assert all(b["source_lines"] for b in data["blocks_detail"])    # label-only blocks are not counted
    assert out.read_text().count("# synth: UNPROVED block") == data["unknown"]


def test_an_unsupported_instruction_names_its_line_and_text(capsys, tmp_path):
    src = tmp_path / "bad.s"
    src.write_text("\t.text\n\t.global f\n\t.type f, %function\nf:\n\tldxr x0, [x1]\n\tret\n\t.size f, .-f\n")
    code, out, err = run(capsys, "transpile", src, "--from", "aarch64", "--to", "riscv64", "-o", tmp_path / "o.s")
    assert code == 2 and out == ""
    assert err.startswith(f"synth: error: {src}:5: unsupported instruction")
    assert "ldxr x0, [x1]" in err and err.count("\n") == 1


def test_a_syntax_error_is_one_line(capsys, tmp_path):
    src = tmp_path / "bad.s"
    src.write_text("f:\n\tadd x0, [x1\n")
    code, _, err = run(capsys, "transpile", src, "--from", "aarch64", "--to", "riscv64", "-o", tmp_path / "o.s")
    assert code == 2 and err == f"synth: error: {src}:2:13: unexpected token; found end of line; expected one of ',', ']'\n"


def test_a_missing_cross_compiler_is_named_with_its_package(tmp_path, program):
    done = subprocess.run([sys.executable, "-m", "synth.cli", "transpile", str(program), "--from", "riscv64",
                           "--to", "aarch64", "-o", str(tmp_path / "o.s")], capture_output=True, text=True,
                          env={"PATH": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr == ("synth: error: riscv64-linux-gnu-gcc is not installed; found nothing on PATH; "
                           "expected the Debian package gcc-riscv64-linux-gnu (apt-get install "
                           "gcc-riscv64-linux-gnu, or `make system-packages`)\n")
