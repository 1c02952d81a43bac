"""Train with candidate optimizers on proxy tasks and score them, a whole population per XLA call."""
from __future__ import annotations

import functools
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.flatten_util import ravel_pytree

from synth.discover.tasks import Task
from synth.dsl.optim import vectorized
from synth.dsl.optim.ast import Program
from synth.dsl.optim.semantics import is_well_shaped, segments_of

# Score of a run that diverged or produced NaN: as bad as a tenfold increase of the loss.
CAP = 1.0
SEARCH_LRS = (1e-3, 1e-2, 1e-1)
# Half-decades wide enough that every baseline's best rate is inside, not at an edge (momentum's
# best on the ill-conditioned quadratic is 3, AdamW's on the attention task 3e-3): a grid that
# cuts an optimizer off at its edge ranks the grid, not the optimizer.
FINAL_LRS = tuple(float(x) for x in np.logspace(-5, 2, 15))

# update(g, state, w, lr) -> (step to subtract, new state), on flat float32 vectors.
UpdateRule = Callable


def log_score(final, initial, floor):
    """log10 of the loss reduction, floored at the task's 'solved' level; NaN and blow-ups give CAP."""
    s = jnp.log10(jnp.maximum(final, floor)) - jnp.log10(jnp.maximum(initial, floor))
    return jnp.where(jnp.isfinite(s), jnp.minimum(s, CAP), CAP)


class Problem:
    """A task's flat starting points for each seed, its gradient and its training loop."""

    def __init__(self, task: Task, seeds: Sequence[int]):
        self.task = task
        trees = [task.init(jax.random.PRNGKey(s)) for s in seeds]
        self.unravel = ravel_pytree(trees[0])[1]
        self.w0 = jnp.stack([ravel_pytree(t)[0] for t in trees])
        self.segments = segments_of(trees[0])
        self.initial = jax.vmap(lambda w: task.eval(self.unravel(w)))(self.w0)

    def train(self, update: UpdateRule, state0, w0, lr):
        """Final held-out loss after task.steps steps of w <- w - step."""
        def one_step(carry, t):
            w, state = carry
            g = jax.grad(lambda fw: self.task.loss(self.unravel(fw), t))(w)
            step, state = update(g, state, w, lr)
            return (w - step, state), None
        (w, _), _ = jax.lax.scan(one_step, (w0, state0), jnp.arange(self.task.steps))
        return self.task.eval(self.unravel(w))

    def scores(self, update: UpdateRule, state0, lrs) -> jax.Array:
        """(len(lrs), seeds) log scores of one update rule, every lr and seed in one vmap."""
        per_seed = jax.vmap(lambda w0, lr: self.train(update, state0(w0), w0, lr), (0, None))
        finals = jax.vmap(lambda lr: per_seed(self.w0, lr))(jnp.asarray(lrs, jnp.float32))
        return log_score(finals, self.initial[None, :], self.task.floor)


def program_rule(enc: vectorized.Encoded, segments) -> tuple[UpdateRule, Callable]:
    def update(g, state, w, lr):
        m, v, regs = state
        step, m, v, regs = vectorized.run_encoded(enc, segments, w, g, m, v, lr, regs)
        return step, (m, v, regs)
    return update, lambda w0: (jnp.zeros_like(w0), jnp.zeros_like(w0), vectorized.registers(enc, w0))


def optax_rule(make: Callable[[jax.Array], optax.GradientTransformation]):
    """An optax optimizer factory (lr -> transformation) as an UpdateRule."""
    def update(g, state, w, lr):
        updates, state = make(lr).update(g, state, w)
        return -updates, state
    return update, lambda w0: make(jnp.float32(0.0)).init(w0)


class PopulationScorer:
    """Scores of a population on one task: min over learning rates of the mean over seeds.

    The population is an Encoded with a leading program axis of fixed size, so the scorer
    compiles once. lax.map walks the programs, so each keeps a real branch per statement, and
    padding rows are skipped by lax.cond; learning rates and seeds are vmapped.
    """

    def __init__(self, task: Task, lrs=SEARCH_LRS, seeds=(0,)):
        self.problem = Problem(task, seeds)
        self.lrs = tuple(lrs)
        self._jitted = jax.jit(self._scores)

    def _scores(self, population: vectorized.Encoded, count):
        def one(args):
            index, enc = args
            update, state0 = program_rule(enc, self.problem.segments)
            return jax.lax.cond(
                index < count,
                lambda: jnp.min(jnp.mean(self.problem.scores(update, state0, self.lrs), axis=1)),
                lambda: jnp.float32(CAP))
        return jax.lax.map(one, (jnp.arange(population.ops.shape[0]), population))

    def __call__(self, population: vectorized.Encoded, count: int | None = None) -> np.ndarray:
        """Scores of the first `count` programs (default all); the rest is padding, not run."""
        count = population.ops.shape[0] if count is None else count
        return np.asarray(self._jitted(population, jnp.int32(count)))[:count]


@functools.cache
def scorer(task: Task, lrs=SEARCH_LRS, seeds=(0,)) -> PopulationScorer:
    return PopulationScorer(task, lrs, seeds)


class Funnel:
    """Fitness of a batch of programs: cheap tasks filter, every task decides.

    Every program trains on the stage-1 tasks; the best `promote` share of each batch goes on
    to stage 2, and its fitness is its mean log score over every task of both stages (lower
    is better), if it diverged on none of them. Stage 2 alone was too narrow a judge: two
    short network runs ranked clipped SGD above momentum, which wins on the meta-validation
    tasks by far; the stage-1 scores are already paid for. A program not promoted (or
    diverged) gets CAP + 10**(stage-1 mean - CAP), in (CAP, CAP + 1]: below every promoted
    program, yet ordered, so the search still sees which of them came closer.
    """

    def __init__(self, stage1: Sequence[Task], stage2: Sequence[Task], batch: int = 32,
                 promote: float = 0.25, lrs=SEARCH_LRS, seeds=(0,)):
        self.stage1 = [scorer(t, tuple(lrs), tuple(seeds)) for t in stage1]
        self.stage2 = [scorer(t, tuple(lrs), tuple(seeds)) for t in stage2]
        self.batch, self.promote = batch, promote

    def __call__(self, programs: Sequence[Program]) -> list[float]:
        fitness = np.full(len(programs), 2 * float(CAP))
        valid = [i for i, p in enumerate(programs) if is_well_shaped(p) and vectorized.fits(p)]
        for chunk in _chunks(valid, self.batch):
            fitness[chunk] = self._score([programs[i] for i in chunk])
        return fitness.tolist()

    def _score(self, programs: list[Program]) -> np.ndarray:
        each = [s(_padded(programs, self.batch), len(programs)) for s in self.stage1]
        first = np.mean(each, axis=0)
        fitness = CAP + 10.0 ** (first - CAP)
        quota = max(1, round(len(programs) * self.promote))
        order = [i for i in np.argsort(first, kind="stable")[:quota] if first[i] < CAP]
        if order and self.stage2:
            promoted = _padded([programs[i] for i in order], self.batch)
            scores = np.array([e[order] for e in each] + [s(promoted, len(order)) for s in self.stage2])
            # A rule that diverges on a task at every rate tried is no candidate, however well
            # it does elsewhere (the toy tasks' -6 once outvoted a network at CAP).
            fitness[order] = np.where(scores.max(axis=0) < CAP, scores.mean(axis=0), fitness[order])
        return fitness


def _chunks(items: list, size: int):
    return [items[i:i + size] for i in range(0, len(items), size)]


def _padded(programs: list[Program], size: int) -> vectorized.Encoded:
    """Fill a batch up to its fixed size with copies of the first program, which are not run."""
    return vectorized.stack(programs + [programs[0]] * (size - len(programs)))
