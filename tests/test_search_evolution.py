"""Regularized evolution on PyGlove: determinism, the behaviour cache, warm start, resume by replay."""

import pyglove as pg

from synth.dsl import optim
from synth.dsl.contract import Language
from synth.dsl.optim import analysis, mutate
from synth.search import evolution
from synth.search.evolution import EvolutionConfig, SearchState, best, evolve, finalists

LANGUAGE = Language(optim.parse, optim.format, mutate.mutate, analysis.fingerprint)
SGD = optim.library.source("sgd")
CONFIG = EvolutionConfig(population=16, tournament=4, batch=8, budget=240, restart_after=10_000)


class CountingScorer:
    """A real objective (prefer short programs whose live code uses sign): deterministic, cheap.

    Live code only, as with every behavioural score: the cache answers for dead-code variants.
    """

    def __init__(self):
        self.seen = []

    def __call__(self, programs):
        self.seen.extend(analysis.fingerprint(p) for p in programs)
        live = [analysis.remove_dead(p).statements for p in programs]
        return [len(ss) + (0.0 if any(s.op == "sign" for s in ss) else 5.0) for ss in live]


def test_same_config_same_run():
    a = evolve(LANGUAGE, CountingScorer(), SGD, CONFIG)
    b = evolve(LANGUAGE, CountingScorer(), SGD, CONFIG)
    assert list(a.scores.items()) == list(b.scores.items())
    assert (a.best_text, a.best_fitness, a.cache_hits) == (b.best_text, b.best_fitness, b.cache_hits)
    c = evolve(LANGUAGE, CountingScorer(), SGD, EvolutionConfig(**{**CONFIG.__dict__, "seed": 1}))
    assert list(c.scores) != list(a.scores)


def test_cache_scores_each_behaviour_once():
    scorer = CountingScorer()
    state = evolve(LANGUAGE, scorer, SGD, CONFIG)
    assert len(scorer.seen) == len(set(scorer.seen)) == len(state.scores)
    assert state.proposals == 240
    assert state.cache_hits == 240 - len(state.scores)
    assert state.cache_hit_rate == state.cache_hits / 240


def test_evolution_improves_on_the_objective():
    state = evolve(LANGUAGE, CountingScorer(), SGD, EvolutionConfig(**{**CONFIG.__dict__, "budget": 480}))
    assert state.best_fitness == 1.0    # sgd scores 6; the optimum is one live statement, a sign
    assert "sign" in state.best_text
    assert [f for _, f in state.trace] == sorted((f for _, f in state.trace), reverse=True)


def test_warm_start_is_the_only_program_given():
    state = evolve(LANGUAGE, CountingScorer(), SGD, EvolutionConfig(**{**CONFIG.__dict__, "budget": 16}))
    # the initial population is the warm start itself: one behaviour, scored once
    assert list(state.texts.values()) == [optim.format(optim.parse(SGD))]
    assert state.cache_hits == 15


def test_resume_replays_without_rescoring():
    full = evolve(LANGUAGE, CountingScorer(), SGD, CONFIG)
    half = evolve(LANGUAGE, CountingScorer(), SGD, EvolutionConfig(**{**CONFIG.__dict__, "budget": 120}))
    scorer = CountingScorer()
    resumed = evolve(LANGUAGE, scorer, SGD, CONFIG, known=dict(half.scores))
    assert list(resumed.scores.items()) == list(full.scores.items())
    assert (resumed.best_text, resumed.cache_hits) == (full.best_text, full.cache_hits)
    assert not set(scorer.seen) & set(half.scores)   # nothing scored twice
    assert len(scorer.seen) == len(full.scores) - len(half.scores)


def test_restart_from_best_when_stale():
    state = evolve(LANGUAGE, CountingScorer(), SGD,
                   EvolutionConfig(**{**CONFIG.__dict__, "restart_after": 40}))
    assert state.restarts >= 1


def test_best_lists_distinct_behaviours_best_first():
    state = evolve(LANGUAGE, CountingScorer(), SGD, CONFIG)
    top = best(state, 3)
    assert [f for _, f in top] == sorted(f for _, f in top)
    assert len({analysis.fingerprint(optim.parse(t)) for t, _ in top}) == 3


def test_finalists_are_the_best_half_and_earlier_record_holders():
    # scores in the order the search met them: records are a (5), b (4), d (3), f (1)
    order = [("a", 5.0), ("b", 4.0), ("c", 4.5), ("d", 3.0), ("e", 2.0 + 1.5), ("f", 1.0), ("g", 2.0)]
    state = SearchState(scores={k: f for k, f in order}, texts={k: "prog " + k for k, _ in order})
    # best half (2 of 4): f, g; then the records not chosen, latest first, spread: d, b
    assert finalists(state, 4) == [("prog f", 1.0), ("prog g", 2.0), ("prog d", 3.0), ("prog b", 4.0)]
    # k = 3: best two, then one record spread over d, b, a: d
    assert finalists(state, 3) == [("prog f", 1.0), ("prog g", 2.0), ("prog d", 3.0)]
    assert finalists(state, 9) == [("prog f", 1.0), ("prog g", 2.0), ("prog d", 3.0), ("prog e", 3.5),
                                   ("prog b", 4.0), ("prog a", 5.0)]


def test_built_on_pyglove_evolution():
    algorithm = evolution._evolution(LANGUAGE, SGD, CONFIG, 0)
    assert isinstance(algorithm, pg.evolution.Evolution)
    dna = algorithm.propose()
    assert dna.value == SGD
