"""What backs a synthesized program: its share of exactly right outputs, by the reference
semantics, on every input up to a length (exhaustive) and on sampled longer ones; and the
examples file format users give their own tasks in."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from synth.dsl.rasp.interpret import evaluate, run_text
from synth.dsl.rasp.semantics import run
from synth.errors import ExampleError, Location, SynthError


@dataclass(frozen=True)
class Accuracy:
    correct: int
    total: int
    how: str            # "exhaustive: every input of length 1..5 over a b c d", "sampled: ..."

    @property
    def share(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def to_json(self) -> dict:
        return {"accuracy": self.share, "correct": self.correct, "total": self.total,
                "how": self.how}


def accuracy(text: str, name: str, oracle: Callable[[list], list], inputs: Iterable[tuple],
             how: str) -> Accuracy:
    """The share of inputs on which the program's output equals the oracle's, whole sequence."""
    program = evaluate(run_text(text, "<synthesized>"), name)
    correct = total = 0
    for x in inputs:
        total += 1
        try:
            correct += list(run(program, x).values) == list(oracle(list(x)))
        except SynthError:
            pass        # a program that fails on an input is wrong on it
    return Accuracy(correct, total, how)


def load_examples(path: str | Path) -> list[tuple[tuple, tuple]]:
    """A JSON list of {"input": ..., "output": [...]}: an input is a list of tokens (strings,
    numbers or booleans) or a string, one token per character; the output has one value per
    input token."""
    where = Location(str(path))
    try:
        data = json.loads(Path(path).read_text())
    except OSError as e:
        raise ExampleError("cannot read the examples file", where=where, found=e.strerror) from None
    except json.JSONDecodeError as e:
        raise ExampleError("the examples file is not JSON", where=Location(str(path), e.lineno,
                                                                         e.colno), found=e.msg) from None
    if not isinstance(data, list):
        raise ExampleError("the examples file must hold a JSON list", where=where,
                           found=type(data).__name__, expected='[{"input": ..., "output": [...]}, ...]')
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or set(item) != {"input", "output"}:
            raise ExampleError(f"example {i} must be an object with keys input and output",
                               where=where, found=json.dumps(item)[:60])
        inputs, outputs = item["input"], item["output"]
        if isinstance(inputs, str):
            inputs = list(inputs)
        if isinstance(outputs, str):
            outputs = list(outputs)
        for part, values in (("input", inputs), ("output", outputs)):
            if not isinstance(values, list) or not all(
                    isinstance(v, (str, int, float, bool)) for v in values):
                raise ExampleError(f"example {i}: the {part} must be a list of atoms",
                                   where=where, found=json.dumps(values)[:60],
                                   expected="strings, numbers or booleans")
        out.append((tuple(inputs), tuple(outputs)))
    return out
