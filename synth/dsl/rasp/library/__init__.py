"""RASP programs shipped with synth, one .rasp file each; `load "paper";` finds them."""
from __future__ import annotations

from pathlib import Path

from synth.errors import NameError_

DIRECTORY = Path(__file__).resolve().parent
NAMES = tuple(sorted(p.stem for p in DIRECTORY.glob("*.rasp")))


def path(name: str) -> Path:
    if name not in NAMES:
        raise NameError_(f"unknown RASP library file {name!r}", expected="one of " + ", ".join(NAMES))
    return DIRECTORY / f"{name}.rasp"
