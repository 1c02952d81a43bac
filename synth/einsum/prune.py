"""Pruning by marginals: summed over all axes but one, a contraction's output is the contraction
that keeps only that axis's indices, however the rest of the output is arranged.

So a partition of the input pieces into indices is checked once against the expected output's
total, and each output term (an index, or a merged group of them) once per partition against
the expected output's sum along the other axes, before any candidate built from them is run.
This holds for sum-of-products over two or more operands (einsum), which is where it is used;
the bounds are loose enough never to reject a candidate that `synthesize` would accept.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

SLACK = 2.0     # the candidate's own rounding error, on top of the tolerance it is held to


class Marginals:
    """The first example's marginals, compared with those of a partition into indices (a Pruner)."""

    def __init__(self, inputs, output, rtol: float):
        arrays = [np.asarray(a) for a in inputs] + [np.asarray(output)]
        wide = np.complex128 if any(np.iscomplexobj(a) for a in arrays) else np.float64
        self.inputs = [a.astype(wide) for a in arrays[:-1]]
        out = arrays[-1].astype(wide)
        # NaN or infinity anywhere makes sums meaningless: then nothing is pruned.
        self.enabled = all(np.isfinite(a).all() for a in arrays)
        largest = float(np.abs(out).max()) if out.size else 0.0
        rtol = max(rtol, 1e-9)

        def expected(keep: tuple[int, ...]):
            others = tuple(a for a in range(out.ndim) if a not in keep)
            count = math.prod(out.shape[a] for a in others)
            bound = SLACK * rtol * (np.abs(out).sum(axis=others) + count * largest + 1.0)
            return out.sum(axis=others), bound

        self.total = expected(())
        self.axes = [expected((p,)) for p in range(out.ndim)]
        self.layout = None
        self.checked: dict[tuple, bool] = {}     # (layout, partition) -> total matches; asked at every cost

    def partition(self, layout, classes: tuple[int, ...]) -> bool:
        """Start on a partition; False if its full contraction misses the output's total."""
        if not self.enabled:
            return True
        if layout is not self.layout:
            self.layout = layout
            self.flat = [a.reshape([m[0] for members in axes for m in members])
                         for a, axes in zip(self.inputs, layout)]
            self.bounds = list(itertools.accumulate((f.ndim for f in self.flat), initial=0))
            self.piece_sizes = [n for f in self.flat for n in f.shape]
        self.operands = [list(classes[a:b]) for a, b in zip(self.bounds, self.bounds[1:])]
        key = (layout, classes)
        if key not in self.checked:
            # numpy.einsum without a path loops over every index at once; above this it plans one
            self.optimize = math.prod(dict(zip(classes, self.piece_sizes)).values()) > 100_000
            want, bound = self.total
            self.checked[key] = bool(abs(complex(self._contract(())) - want) <= bound)
        return self.checked[key]

    def term(self, position: int, members: tuple[int, ...]) -> bool:
        """False if keeping `members` (composed in this order) misses the output's marginal at `position`."""
        if not self.enabled:
            return True
        self.optimize = math.prod(dict(zip(sum(self.operands, []), self.piece_sizes)).values()) > 100_000
        return _close(self._contract(members).reshape(-1), *self.axes[position])

    def _contract(self, keep: tuple[int, ...]) -> np.ndarray:
        operands = [x for pair in zip(self.flat, self.operands) for x in pair]
        return np.einsum(*operands, list(keep), optimize=self.optimize)


def _close(got: np.ndarray, want: np.ndarray, bound: np.ndarray) -> bool:
    return bool(np.all(np.abs(got - want) <= bound))
