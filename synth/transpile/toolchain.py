"""The real tools: cross compilers, assemblers and qemu-user, with a clear error when one is missing."""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from synth.errors import Location, SynthError, ToolMissingError

# Debian package that provides each ISA's tools, for the message when they are missing.
PACKAGES = {"aarch64": ("aarch64-linux-gnu", "gcc-aarch64-linux-gnu", "qemu-aarch64"),
            "riscv64": ("riscv64-linux-gnu", "gcc-riscv64-linux-gnu", "qemu-riscv64")}
# Flags that make each compiler emit the code the transpiler expects: the Debian defaults
# (PIE, rv64gc/lp64d), spelled out so a different default cannot change the corpus.
CFLAGS = {"aarch64": ["-march=armv8-a"], "riscv64": ["-march=rv64gc", "-mabi=lp64d"]}
RUN_TIMEOUT_S = 20


class ToolError(SynthError):
    """An external tool ran and failed (a compile error, an assembler error)."""


def tool(isa: str, name: str) -> str:
    """The path of `<triple>-<name>` (gcc, as, objdump) or of qemu for the ISA."""
    triple, package, qemu = PACKAGES[isa]
    program = qemu if name == "qemu" else f"{triple}-{name}"
    path = shutil.which(program)
    if path is None:
        install = "qemu-user" if name == "qemu" else package
        raise ToolMissingError(f"{program} is not installed", found="nothing on PATH",
                               expected=f"the Debian package {install} (apt-get install {install}, "
                                        "or `make system-packages`)")
    return path


def _run(argv: list[str], what: str, source: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        first = next((l for l in done.stderr.splitlines() if "error" in l.lower()),
                     done.stderr.strip().splitlines()[0] if done.stderr.strip() else "")
        raise ToolError(f"{what} failed", where=Location(str(source)) if source else None,
                        found=first.strip() or f"exit {done.returncode}")
    return done


def compile_to_assembly(c_file: Path, isa: str, opt: str = "-O0") -> str:
    """gcc -S for the ISA: the source assembly a transpilation starts from."""
    done = _run([tool(isa, "gcc"), *CFLAGS[isa], opt, "-S", "-o", "-", str(c_file)],
                f"compiling {c_file.name} for {isa}", c_file)
    return done.stdout


def link(source: Path, isa: str, out: Path, opt: str = "-O0") -> Path:
    """Assemble (or compile) and link a .s (or .c) file against the ISA's C library."""
    _run([tool(isa, "gcc"), *CFLAGS[isa], opt, str(source), "-o", str(out)],
         f"building {source.name} for {isa}", source)
    return out


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    stdout: str
    timed_out: bool = False


def run(binary: Path, isa: str, timeout_s: float = RUN_TIMEOUT_S) -> RunResult:
    """Run a binary under qemu-user with the cross C library as its root."""
    sysroot = f"/usr/{PACKAGES[isa][0]}"
    try:
        done = subprocess.run([tool(isa, "qemu"), "-L", sysroot, str(binary)], capture_output=True,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired as e:
        return RunResult(-1, (e.stdout or b"").decode(errors="replace"), True)
    return RunResult(done.returncode, done.stdout.decode(errors="replace"))


def compare(source_text: str, source_isa: str, target_text: str, target_isa: str,
            timeout_s: float = RUN_TIMEOUT_S) -> dict:
    """Link both programs, run each under qemu-user, and say whether they printed the same."""
    import tempfile
    with tempfile.TemporaryDirectory(prefix="synth-run-") as tmp:
        results = {}
        for name, text, isa in (("source", source_text, source_isa), ("target", target_text, target_isa)):
            s = Path(tmp) / f"{name}.s"
            s.write_text(text)
            results[name] = run(link(s, isa, Path(tmp) / name), isa, timeout_s)
    a, b = results["source"], results["target"]
    return {"same_output": (a.stdout, a.exit_code) == (b.stdout, b.exit_code) and not b.timed_out,
            "source_exit": a.exit_code, "target_exit": b.exit_code, "target_timed_out": b.timed_out,
            "source_output_bytes": len(a.stdout), "target_output_bytes": len(b.stdout)}
