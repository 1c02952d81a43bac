"""Regularized evolution over any DSL, on PyGlove's evolution machinery, with a behaviour cache.

Programs travel through PyGlove as custom DNA whose value is the program's text; our mutator
edits the parsed program. Proposals are drawn a batch at a time so the scorer can evaluate a
whole batch in one XLA call. Every random choice is seeded, so a run is a pure function of its
configuration: resuming replays the proposals, answering them from the checkpointed scores.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Sequence

import pyglove as pg

from synth.dsl.contract import Language


@dataclass(frozen=True)
class EvolutionConfig:
    population: int = 64
    tournament: int = 8
    batch: int = 32
    budget: int = 4000           # candidate evaluations (cache hits included), as in the paper
    restart_after: int = 1500    # candidates without improvement before restarting from the best
    seed: int = 0


@dataclass
class SearchState:
    """The search's record; a checkpoint keeps only `scores`, replay recomputes the rest."""
    scores: dict[str, float] = field(default_factory=dict)   # fingerprint -> fitness, in order
    texts: dict[str, str] = field(default_factory=dict)      # fingerprint -> first program text
    proposals: int = 0
    cache_hits: int = 0
    best_text: str = ""
    best_fitness: float = float("inf")
    trace: list[tuple[int, float]] = field(default_factory=list)  # (proposals, best fitness)
    restarts: int = 0

    @property
    def cache_hit_rate(self) -> float:
        return self.cache_hits / self.proposals if self.proposals else 0.0


class _ProgramSpace(pg.hyper.CustomHyper):
    """A search space whose points are programs, carried as text."""

    def custom_decode(self, dna):
        return dna.value


@pg.members([
    ("language", pg.typing.Any(), "The DSL's Language contract."),
    ("seed", pg.typing.Int(), "Seed of this mutator's random choices."),
])
class _ProgramMutator(pg.evolution.Mutator):
    def _on_bound(self):
        super()._on_bound()
        self._rng = random.Random(self.seed)

    def mutate(self, dna, global_state=None, step=0):
        parent = self.language.parse(dna.value)
        return pg.DNA(self.language.format(self.language.mutate(parent, self._rng)))


def _evolution(language: Language, start: str, config: EvolutionConfig, seed: int):
    @pg.geno.dna_generator
    def warm_start(unused_spec):
        while True:
            yield pg.DNA(start)

    algorithm = pg.evolution.Evolution(
        pg.evolution.selectors.Random(config.tournament, seed=seed)
        >> pg.evolution.selectors.Top(1)
        >> _ProgramMutator(language, seed),
        population_init=(warm_start(), config.population),
        population_update=pg.evolution.selectors.Last(config.population))
    algorithm.setup(pg.dna_spec(_ProgramSpace()))
    return algorithm


Scorer = Callable[[Sequence[object]], Sequence[float]]   # programs -> fitness, lower is better


def evolve(language: Language, score: Scorer, start: str, config: EvolutionConfig,
           known: dict[str, float] | None = None,
           on_batch: Callable[[SearchState], None] = lambda s: None) -> SearchState:
    """Run regularized evolution from `start` until config.budget candidates are evaluated.

    `known` holds scores from an interrupted run: its batches replay without being re-scored.
    `on_batch` is called after every batch (progress, checkpoints).
    """
    state = SearchState()
    known = known or {}
    # Canonical text from here on: the mutator formats every child, so each DNA value is one.
    start = language.format(language.parse(start))
    algorithm = _evolution(language, start, config, config.seed)
    stale_since = 0
    while state.proposals < config.budget:
        n = min(config.batch, config.budget - state.proposals)
        dnas = [algorithm.propose() for _ in range(n)]
        programs = [language.parse(d.value) for d in dnas]
        prints = [language.fingerprint(p) for p in programs]
        fresh = {}   # fingerprint -> (program, text) of its first proposal in this batch
        for fp, p, dna in zip(prints, programs, dnas):
            if fp not in state.scores and fp not in fresh:
                fresh[fp] = (p, dna.value)
        state.cache_hits += n - len(fresh)
        unknown = [fp for fp in fresh if fp not in known]
        scored = dict(zip(unknown, score([fresh[fp][0] for fp in unknown]))) if unknown else {}
        for fp, (_, text) in fresh.items():
            state.scores[fp] = float(known[fp] if fp in known else scored[fp])
            state.texts[fp] = text
        for dna, fp, p in zip(dnas, prints, programs):
            fitness = state.scores[fp]
            algorithm.feedback(dna, -fitness)   # PyGlove maximises reward
            if fitness < state.best_fitness:
                state.best_fitness, state.best_text = fitness, dna.value
                stale_since = state.proposals
        state.proposals += n
        state.trace.append((state.proposals, state.best_fitness))
        if state.proposals - stale_since >= config.restart_after:
            # Restart the population from the best program found so far, as the paper does.
            state.restarts += 1
            algorithm = _evolution(language, state.best_text, config, config.seed + state.restarts)
            stale_since = state.proposals
        on_batch(state)
    return state


def best(state: SearchState, k: int) -> list[tuple[str, float]]:
    """The k best distinct behaviours as (program text, fitness), best first."""
    ranked = sorted(state.scores.items(), key=lambda item: item[1])[:k]
    return [(state.texts[fp], fitness) for fp, fitness in ranked]


def finalists(state: SearchState, k: int) -> list[tuple[str, float]]:
    """k distinct behaviours for a final ranking on held-out tasks, as (program text, fitness).

    The best half by search fitness, then record holders (each program that beat every one
    scored before it) spread evenly over the run, latest first. Late records often only fit
    the search tasks better (measured: a record of two statements scored -2.47 on held-out
    tasks, the final one -1.65); ranking a few earlier ones stops the search early where the
    held-out tasks say so.
    """
    chosen = dict(best(state, (k + 1) // 2))
    records, low = [], float("inf")
    for fp, fitness in state.scores.items():
        if fitness < low:
            low = fitness
            records.append((state.texts[fp], fitness))
    records = [r for r in reversed(records) if r[0] not in chosen]
    want = k - len(chosen)
    if records and want > 0:
        step = max(1, len(records) // want)
        for text, fitness in records[::step][:want]:
            chosen[text] = fitness
    return list(chosen.items())
