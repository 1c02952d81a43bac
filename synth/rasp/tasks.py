"""The RASP paper's tasks as example generators (what the synthesizer is given) and as oracles
(what a found program is checked against, exhaustively on short inputs and on sampled longer
ones). The synthesizer never sees a task's name, only examples drawn from it."""
from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterator

from synth.errors import SynthError

PAD = "§"       # most_freq's filler after the unique tokens, the paper's non-token


def reverse(x):
    return list(reversed(x))


def hist(x):
    counts = Counter(x)
    return [counts[t] for t in x]


def double_hist(x):
    """For each token: how many distinct tokens occur as often as it does (the paper's hist2)."""
    counts = Counter(x)
    return [sum(1 for c in counts.values() if c == counts[t]) for t in x]


def sort(x):
    return sorted(x)


def most_freq(x):
    """The distinct tokens by descending frequency, ties by first appearance, then PAD (the
    paper's sort_by_most_freq)."""
    counts = Counter(x)
    first = {t: x.index(t) for t in counts}
    unique = sorted(counts, key=lambda t: (-counts[t], first[t]))
    return unique + [PAD] * (len(x) - len(unique))


def dyck(pairs: tuple[str, ...]) -> Callable:
    """Per prefix: T if balanced, P if it can still be completed, F if it cannot."""
    opener = {p[1]: p[0] for p in pairs}

    def label(x):
        stack, out, broken = [], [], False
        for t in x:
            if not broken:
                if t in opener:
                    broken = not stack or stack.pop() != opener[t]
                else:
                    stack.append(t)
            out.append("F" if broken else "T" if not stack else "P")
        return out
    return label


@dataclass(frozen=True)
class Task:
    name: str
    function: Callable[[list], list]
    vocab: tuple[str, ...]
    walk: bool = False          # draw inputs as bracket walks too (random strings rarely balance)
    exhaustive_length: int = 6  # found programs are checked on every input up to this length
    # how many examples the search is given, of what lengths: Dyck-2's first error is rarely a
    # wrong bracket type in short random strings (2 of 24 examples at seed 0), and 24 to 64
    # examples of up to 6 tokens admit smaller programs wrong on 5-12% of inputs (BENCHMARKS.md,
    # RASP synthesis), so Dyck-2 gets more and longer ones
    count: int = 24
    max_length: int = 6

    def inputs(self, count: int, lengths: range, seed: int) -> list[tuple]:
        rng = random.Random(seed)
        out = []
        for i in range(count):
            n = rng.choice(lengths)
            if self.walk and i % 2:
                out.append(_walk(rng, n, self.vocab))
            else:
                out.append(tuple(rng.choice(self.vocab) for _ in range(n)))
        return out

    def examples(self, count: int | None = None, max_length: int | None = None, seed: int = 0):
        count = self.count if count is None else count
        max_length = self.max_length if max_length is None else max_length
        return [(x, tuple(self.function(list(x))))
                for x in self.inputs(count, range(1, max_length + 1), seed)]

    def all_inputs(self, max_length: int) -> Iterator[tuple]:
        for n in range(1, max_length + 1):
            yield from itertools.product(self.vocab, repeat=n)


WRONG_CLOSE = 0.2      # how often a walk closes with the wrong bracket type


def _walk(rng: random.Random, n: int, vocab: tuple[str, ...]) -> tuple:
    """Mostly well-nested brackets: open, or close the innermost open one; where there are
    several bracket types, a close is now and then of the wrong type (random strings this
    short rarely show that error before an unmatched one, so the examples would not say
    what it does)."""
    pairs = [vocab[i:i + 2] for i in range(0, len(vocab), 2)]
    stack, out = [], []
    for _ in range(n):
        if stack and rng.random() < 0.5:
            closer = stack.pop()
            if len(pairs) > 1 and rng.random() < WRONG_CLOSE:
                closer = rng.choice([c for _, c in pairs if c != closer])
            out.append(closer)
        else:
            o, c = rng.choice(pairs)
            out.append(o)
            stack.append(c)
    return tuple(out)


TASKS = {t.name: t for t in (
    Task("reverse", reverse, tuple("abcd")),
    Task("hist", hist, tuple("abcd")),
    Task("double_hist", double_hist, tuple("abcd")),
    Task("sort", sort, tuple("abcd")),
    Task("most_freq", most_freq, tuple("abcd")),
    Task("dyck1", dyck(("()",)), tuple("()"), walk=True, exhaustive_length=12),
    Task("dyck2", dyck(("()", "{}")), tuple("(){}"), walk=True, exhaustive_length=7,
         count=96, max_length=8),
)}


def task(name: str) -> Task:
    if name not in TASKS:
        raise SynthError(f"unknown RASP task {name!r}", expected=", ".join(TASKS))
    return TASKS[name]
