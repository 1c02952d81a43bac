"""The DSLs: one package per language, each offering the same contract (see contract.py)."""
from __future__ import annotations

from pathlib import Path

from synth.errors import SynthError


def formatter_for(path: Path):
    """(parse, format) of the DSL a file's extension names."""
    from synth.dsl import optim, rasp
    languages = {".optim": (optim.parse, optim.format), ".rasp": (rasp.parse, rasp.format)}
    if path.suffix not in languages:
        raise SynthError(f"no DSL for {path.name}", found=path.suffix or "no extension",
                         expected="one of " + ", ".join(sorted(languages)))
    return languages[path.suffix]
