"""Known optimizers written in the DSL, one .optim file each."""
from __future__ import annotations

from pathlib import Path

from synth.errors import NameError_

_DIR = Path(__file__).resolve().parent
NAMES = tuple(sorted(p.stem for p in _DIR.glob("*.optim")))


def source(name: str) -> str:
    if name not in NAMES:
        raise NameError_(f"unknown optimizer {name!r}", expected="one of " + ", ".join(NAMES))
    return (_DIR / f"{name}.optim").read_text()


def load(name: str):
    from synth.dsl.optim.syntax import parse
    return parse(source(name), file=f"{name}.optim")
