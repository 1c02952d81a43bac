"""Checking a compiled model against the interpreter on inputs over the vocabulary.

Every input of length 1..max_len is checked when there are at most `limit` of them
("exhaustive"); otherwise `samples` inputs drawn with a fixed seed ("sampled N of M"). Inputs
on which the interpreter itself fails (an aggregate averaging text, a division by zero) have
no RASP meaning and are counted apart, not compared.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from synth.dsl.rasp import semantics
from synth.errors import SynthError
from synth.rasp.compile import Compiled, CompileError
from synth.rasp.model import forward

TOLERANCE = 1e-3            # numerical outputs: |model - interpreter| <= TOLERANCE * (1 + |value|)


@dataclass(frozen=True)
class Verification:
    checked: int             # inputs compared, all of which agreed
    undefined: int           # inputs the interpreter rejects
    total: int               # inputs of length 1..max_len over the vocabulary
    exhaustive: bool

    @property
    def method(self) -> str:
        return "exhaustive" if self.exhaustive else \
            f"sampled {self.checked + self.undefined} of {self.total}"


def inputs(vocab, max_len: int, limit: int, samples: int, seed: int = 0):
    total = sum(len(vocab) ** n for n in range(1, max_len + 1))
    if total <= limit:
        return total, True, [
            tuple(vocab[j] for j in index)
            for n in range(1, max_len + 1) for index in np.ndindex(*(len(vocab),) * n)]
    rng = random.Random(seed)
    weights = [len(vocab) ** n for n in range(1, max_len + 1)]   # lengths as often as they occur
    drawn = []
    for _ in range(samples):
        n = rng.choices(range(1, max_len + 1), weights)[0]
        drawn.append(tuple(rng.choice(vocab) for _ in range(n)))
    return total, False, drawn


def verify(root, compiled: Compiled, params: dict, limit: int = 20_000,
           samples: int = 2_000, batch: int = 4096) -> Verification:
    vocab = compiled.vocab
    total, exhaustive, xs = inputs(vocab, compiled.max_len, limit, samples)
    expected, defined = [], []
    for x in xs:
        try:
            expected.append(semantics.run(root, list(x)).values)
            defined.append(x)
        except SynthError:
            pass
    ids = {t: i + 1 for i, t in enumerate(vocab)}
    out = compiled.output
    for start in range(0, len(defined), batch):
        chunk = defined[start:start + batch]
        tokens = np.zeros((len(chunk), compiled.max_len + 1), np.int32)
        for b, x in enumerate(chunk):
            tokens[b, 1:len(x) + 1] = [ids[t] for t in x]
        lengths = np.array([len(x) for x in chunk], np.int32)
        residual = np.asarray(forward(params, tokens, lengths))
        for b, x in enumerate(chunk):
            got = [out.decode(residual[b, 1 + i, list(out.dims)]) for i in range(len(x))]
            want = expected[start + b]
            if not _agree(got, want, out.numerical):
                raise CompileError("the compiled model disagrees with the interpreter",
                                   found=f"input {''.join(map(str, x))!r}: model {got}, "
                                         f"interpreter {list(want)}")
    return Verification(len(defined), len(xs) - len(defined), total, exhaustive)


def _agree(got, want, numerical: bool) -> bool:
    if numerical:
        return all(abs(g - w) <= TOLERANCE * (1 + abs(w)) for g, w in zip(got, want))
    return all(isinstance(g, bool) == isinstance(w, bool) and g == w for g, w in zip(got, want))
