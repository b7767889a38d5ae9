"""Every configuration's frontier at once, one bisection step per job, on any executor.

Each (configuration, replication) pair has its own `ThresholdSearch`; a job is one of its
points: the configuration's input with the demand times the multiplier, replication r. The
driver submits the next point of every search that has one and starts replications as the
stopping rule asks (`FrontierSearch._wants_replication`). No decision depends on which job
finished first, so a process pool, a Dask cluster and one process give the same frontier.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lienthong.executors import Executor
from lienthong.frontier.bisection import Threshold, ThresholdSearch
from lienthong.frontier.criteria import RunFigures, Sla
from lienthong.frontier.stopping import Estimate, StoppingRule, estimate


def scaled(inp: Any, multiplier: float) -> Any:
    """The simulator's input with every sender's rate times `multiplier`: `demand.scale` for
    calendar demand, `traffic.rate_per_s` for stationary traffic. Broadcasts (one document
    to every agency of a kind) and polling are not demand and stay as they are."""
    if inp.traffic is not None:
        traffic = inp.traffic.model_copy(update={"rate_per_s": inp.traffic.rate_per_s
                                                 * multiplier})
        return dataclasses.replace(inp, traffic=traffic)
    demand = inp.demand.model_copy(update={"scale": inp.demand.scale * multiplier})
    return dataclasses.replace(inp, demand=demand)


def simulate_point(inp: Any, multiplier: float, replication: int) -> RunFigures:
    """One run: the job every executor runs (only the figures travel back)."""
    from sim.replications import run_one

    return RunFigures.of(run_one(scaled(inp, multiplier), replication))


@dataclass(frozen=True)
class PointRun:
    """One point the search ran."""

    config: int
    multiplier: float
    replication: int
    meets: bool
    figures: RunFigures


@dataclass
class ConfigState:
    searches: dict[int, ThresholdSearch] = field(default_factory=dict)
    found: dict[int, Threshold] = field(default_factory=dict)

    def values(self) -> list[float]:
        return [self.found[r].estimate for r in sorted(self.found)]

    def all_censored(self) -> bool:
        kinds = {t.censored for t in self.found.values()}
        return bool(self.found) and len(kinds) == 1 and None not in kinds


@dataclass(frozen=True)
class ConfigFrontier:
    """The answer for one configuration."""

    config: int
    estimate: Estimate
    thresholds: dict[int, Threshold]
    precision_met: bool
    at_least: bool
    """Some replication still met the SLA at the upper bound: the frontier is at least this."""
    below: bool
    """Some replication missed the SLA at the lower bound: the frontier is below this."""


@dataclass(frozen=True)
class SearchSettings:
    sla: Sla
    rule: StoppingRule
    lower: float = 1 / 16
    upper: float = 16.0
    start: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.lower <= self.start <= self.upper:
            raise ValueError("need 0 < lower <= start <= upper")

    @property
    def resolution(self) -> float:
        """Bisection stops when hi / lo <= 1 + precision / 2: each replication's threshold is
        then known to +-precision/4, small beside the interval the stopping rule asks for."""
        return self.rule.precision / 2.0


class FrontierSearch:
    """Drives the searches of every configuration on one executor."""

    def __init__(self, points: Sequence[Any], settings: SearchSettings,
                 job: Callable[..., RunFigures] = simulate_point) -> None:
        self.points, self.settings, self.job = list(points), settings, job
        self.states = [ConfigState() for _ in self.points]
        self.runs: list[PointRun] = []
        self.started = time.perf_counter()

    # -- scheduling ---------------------------------------------------------------------------

    def _wants_replication(self, c: int) -> bool:
        """Whether configuration c should start another replication now. Every decision
        depends only on finished replications, never on which finished first, so any
        executor gives the same searches: replication 0 runs alone (the others start from its
        answer); the minimum then runs at once; beyond it, one more at a time while the
        stopping rule is not met by all the finished ones."""
        state, rule = self.states[c], self.settings.rule
        started = len(state.searches)
        if started >= rule.max_replications:
            return False
        if started == 0:
            return True
        if 0 not in state.found:
            return False
        if started < rule.min_replications:
            return True
        if len(state.found) < started:  # wait for the running ones before judging
            return False
        return not rule.done(state.values(), state.all_censored())

    def _new_search(self, c: int, r: int) -> ThresholdSearch:
        """Replication 0 starts at `start` and doubles or halves; later ones start at the
        geometric mean of the replications before them (replication 0 alone for those of the
        minimum, which start together) and step by 1 + precision / 2, unguided: thresholds of
        replications differ by noise, a few percent, so a bracket already closed to the
        resolution is most often one or two steps away (a run at start and one a step beyond),
        where a wider step would need a bisection after it (three or four runs)."""
        s, state = self.settings, self.states[c]
        if r == 0:
            return ThresholdSearch(s.start, s.lower, s.upper, s.resolution, 2.0)
        before = range(r) if r >= s.rule.min_replications else range(1)
        values = [state.found[i].estimate for i in before]
        start = min(max(math.exp(sum(map(math.log, values)) / len(values)), s.lower), s.upper)
        return ThresholdSearch(start, s.lower, s.upper, s.resolution, 1.0 + s.resolution,
                               guided=False)

    def _next_jobs(self, busy: set[tuple[int, int]]) -> list[tuple[int, int, float]]:
        """(config, replication, multiplier) of every search with a point to run and none
        running, starting new replications where wanted (configurations in turn)."""
        jobs = []
        for c, state in enumerate(self.states):
            for r, search in state.searches.items():
                m = search.next_point()
                if m is not None and (c, r) not in busy:
                    jobs.append((c, r, m))
        for c, state in enumerate(self.states):
            while self._wants_replication(c):
                r = len(state.searches)  # replications 0, 1, 2, ... (the same streams for all)
                state.searches[r] = self._new_search(c, r)
                jobs.append((c, r, state.searches[r].next_point()))
        return jobs

    def run(self, executor: Executor,
            report: Callable[[PointRun, FrontierSearch], None] | None = None
            ) -> list[ConfigFrontier]:
        pending: dict[Any, tuple[int, int, float]] = {}
        while True:
            busy = {(c, r) for c, r, _ in pending.values()}
            for c, r, m in self._next_jobs(busy):
                pending[executor.submit(self.job, self.points[c], m, r)] = (c, r, m)
            if not pending:
                break
            for future in executor.wait_any(set(pending)):
                c, r, m = pending.pop(future)
                figures = executor.result(future)
                run = PointRun(c, m, r, self.settings.sla.meets(figures), figures)
                self.runs.append(run)
                search = self.states[c].searches[r]
                search.record(m, run.meets, figures.max_utilization)
                if search.done:
                    self.states[c].found[r] = search.result()
                if report is not None:
                    report(run, self)
        return [self._frontier(c) for c in range(len(self.points))]

    def _frontier(self, c: int) -> ConfigFrontier:
        state = self.states[c]
        values = state.values()
        censored = {t.censored for t in state.found.values()}
        return ConfigFrontier(c, estimate(values), dict(state.found),
                              self.settings.rule.precise(values, state.all_censored()),
                              "above" in censored, "below" in censored)

    # -- progress -----------------------------------------------------------------------------

    def runs_left(self) -> float:
        """A rough count of the runs still to go: the bisection steps left in open searches,
        plus the replications still wanted times the runs a replication has taken so far."""
        res = self.settings.resolution
        finished = [t.runs for state in self.states for t in state.found.values()]
        per_replication = sum(finished) / len(finished) if finished else 6.0
        left = 0.0
        for c, state in enumerate(self.states):
            for search in state.searches.values():
                if search.done:
                    continue
                if search.lo is not None and search.hi is not None:
                    left += max(1.0, math.log2(math.log(search.hi / search.lo)
                                               / math.log1p(res)))
                else:
                    left += 3.0
            if len(state.found) == len(state.searches):
                wanted = self._wants_replication(c)
                left += per_replication if wanted else 0.0
            left += max(0, self.settings.rule.min_replications - len(state.searches)) \
                * per_replication
        return left

    def time_left_s(self) -> float | None:
        if not self.runs:
            return None
        elapsed = time.perf_counter() - self.started
        return self.runs_left() * elapsed / len(self.runs)
