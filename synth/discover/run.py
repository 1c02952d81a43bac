"""`synth discover --space optimizers`: evolve update rules, rank them, write the results."""
from __future__ import annotations

import contextlib
import json
import random
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from synth.discover import tasks as task_registry
from synth.discover.evaluate import Funnel
from synth.dsl import optim
from synth.dsl.contract import Language
from synth.dsl.optim import analysis, mutate
from synth.errors import (CheckpointError, EvaluationError, Interrupted, Location, NameError_,
                          ShapeError, SynthError)
from synth.files import write_atomically
from synth.search.evolution import EvolutionConfig, SearchState, evolve

INITS = ("sgd", "momentum", "adam", "adamw", "lion", "random")
CHECKPOINT = "checkpoint.json"


@dataclass(frozen=True)
class DiscoverConfig:
    init: str = "sgd"
    budget_evals: int = 20000
    population: int = 64
    tournament: int = 8
    batch: int = 32
    seed: int = 0
    finalists: int = 8          # programs re-ranked on meta-validation tasks (evolution.finalists)
    stage1: tuple[str, ...] = tuple(t.name for t in task_registry.STAGE1)
    stage2: tuple[str, ...] = tuple(t.name for t in task_registry.STAGE2)
    meta_validation: tuple[str, ...] = tuple(t.name for t in task_registry.META_VALIDATION)

    def evolution(self) -> EvolutionConfig:
        return EvolutionConfig(population=self.population, tournament=self.tournament,
                               batch=self.batch, budget=self.budget_evals,
                               restart_after=max(self.budget_evals // 3, self.population * 4),
                               seed=self.seed)


def warm_start(config: DiscoverConfig) -> str:
    """The one program the search starts from: a library optimizer, a random one, or a file's."""
    if config.init == "random":
        program = mutate.random_program(random.Random(config.seed))
    elif config.init in optim.library.NAMES:
        program = optim.library.load(config.init)
    elif config.init.endswith(".optim") and Path(config.init).is_file():
        program = optim.parse(Path(config.init).read_text(), file=config.init)
        try:
            optim.check_shapes(program)
        except ShapeError as e:
            raise ShapeError(e.what, where=Location(config.init), found=e.found,
                             expected=e.expected) from None
        if not analysis.finite_update(program):
            raise EvaluationError("the warm-start program's update is NaN or infinite",
                                  found=config.init, expected="finite updates on random inputs")
    else:
        raise NameError_(f"unknown --init {config.init!r}",
                         expected=", ".join(INITS) + ", or a .optim file")
    return optim.format(program)


class Redundancy:
    """Counts statements and dead statements of every proposal (the paper's 70% figure)."""

    def __init__(self):
        self.statements = self.dead = 0

    def fingerprint(self, program) -> str:
        self.statements += len(program.statements)
        self.dead += len(program.statements) - len(analysis.remove_dead(program).statements)
        return analysis.fingerprint(program)

    @property
    def share(self) -> float:
        return self.dead / self.statements if self.statements else 0.0


def discover(config: DiscoverConfig, out: Path, resume: bool = False,
             progress: Callable[[SearchState, float], None] = lambda s, t: None) -> dict:
    """Search, re-rank finalists on meta-validation tasks, write results into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    known: dict[str, float] = {}
    if resume:
        config, start, known = load_checkpoint(out)
    else:
        start = warm_start(config)
    redundancy = Redundancy()
    language = Language(optim.parse, optim.format, mutate.mutate, redundancy.fingerprint)
    funnel = Funnel([task_registry.get_task(n) for n in config.stage1],
                    [task_registry.get_task(n) for n in config.stage2], batch=config.batch)
    scorer = lambda programs: funnel([analysis.remove_dead(p) for p in programs])
    began = time.time()
    latest: list[SearchState] = []
    checkpoint_every = max(256 // config.batch, 1)

    def ahead(state: SearchState) -> bool:
        """Past the replayed part of a resumed run, so a checkpoint now loses nothing."""
        return len(state.scores) >= len(known)

    def on_batch(state: SearchState):
        latest[:] = [state]
        if len(state.trace) % checkpoint_every == 0 and ahead(state):
            save_checkpoint(out, config, start, state)
        progress(state, time.time() - began)
        if interrupted.is_set():
            raise KeyboardInterrupt

    try:
        with _ctrl_c_between_batches() as interrupted:
            if not resume:   # a checkpoint from the start: even a run stopped while compiling resumes
                save_checkpoint(out, config, start, SearchState())
            state = evolve(language, scorer, start, config.evolution(), known, on_batch)
    except KeyboardInterrupt:
        if latest and ahead(latest[0]):
            save_checkpoint(out, config, start, latest[0])
        raise Interrupted(f"interrupted after {latest[0].proposals if latest else 0} evaluations; "
                          f"continue with: synth discover --space optimizers --resume {out}") from None
    save_checkpoint(out, config, start, state)
    from synth.discover.report import write_results
    return write_results(out, config, state, redundancy.share, time.time() - began)


@contextlib.contextmanager
def _ctrl_c_between_batches():
    """Ctrl-C during the search stops it after the current batch; a second Ctrl-C at once.

    The batch in flight is finished and checkpointed instead of thrown away, and the user is
    told so. A process started with SIGINT ignored (nohup, `cmd &` in a script) keeps ignoring
    it, as Python itself does; off the main thread no handler can be set, the default applies.
    """
    flag = threading.Event()
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN):
        yield flag
        return

    def handler(signum, frame):
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()
        print("\nsynth: stopping after this batch (Ctrl-C again to stop now)", file=sys.stderr)
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def save_checkpoint(out: Path, config: DiscoverConfig, start: str, state: SearchState) -> None:
    """The scores by fingerprint, the warm start and the config: resume replays the rest."""
    data = {"format": 1, "config": asdict(config), "start": start, "proposals": state.proposals,
            "scores": list(state.scores.items())}
    write_atomically(out / CHECKPOINT, json.dumps(data))


def load_checkpoint(out: Path) -> tuple[DiscoverConfig, str, dict[str, float]]:
    path = out / CHECKPOINT
    if not path.exists():
        raise CheckpointError("no checkpoint to resume", where=None, found=str(path),
                              expected="a directory written by synth discover --out")
    try:
        data = json.loads(path.read_text())
        config = DiscoverConfig(**{k: tuple(v) if isinstance(v, list) else v
                                   for k, v in data["config"].items()})
        scores = {str(fp): float(f) for fp, f in data["scores"]}
        start = optim.format(optim.parse(data["start"]))
        if data.get("format") != 1:
            raise ValueError("unknown format")
    except (ValueError, KeyError, TypeError, SynthError) as e:
        raise CheckpointError(f"corrupt checkpoint {path}", found=type(e).__name__ + ": " + str(e)[:80],
                              expected="the JSON written by synth discover") from None
    return config, start, scores
