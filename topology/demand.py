"""Traffic demand: who sends how much to whom, how urgent and how large.

One object serves the simulator and the load test alike, so both drive the same traffic.

- Rates: documents sent per connected agency per working day, by kind (scenario `demand`),
  times the agency's own volume multiplier (heavy-tailed within its kind, the kind's mean kept;
  topology/volumes.py).
- Recipients: each document goes down the hierarchy (to the sender's connected subordinates),
  up (to the nearest connected superior; the Government Office for the top of a hierarchy) or
  across (to connected peers under the same superior), with the scenario's shares; a direction
  with nobody connected falls back to the others in proportion.
- Recipients per document: one for `up`; for `down` and `across`, 1 + Poisson(lambda), capped
  by the candidates and `max_recipients`. Lambda is solved numerically so that the network-wide
  mean, weighted by send rates, equals `mean_recipients` (2.99 by default: 488,165 received over
  163,107 sent on the national axis in 2019, DOMAIN.md). The mean is an exact expectation, not a
  sample estimate.
- Priority and size: independent draws from the scenario's mix and log-normal size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from topology.agencies import Agency
from topology.config import KIND_LEVEL, DemandConfig
from topology.network import Network
from topology.volumes import volume_multipliers

GOVERNMENT_OFFICE = "G22"


@dataclass(frozen=True, slots=True)
class SenderProfile:
    """What one connected agency sends: rate, and whom it may address in each direction."""

    agency: int
    documents_per_day: float
    candidates: tuple[np.ndarray, np.ndarray, np.ndarray]
    """Connected agency indices reachable down, up and across."""
    direction_cdf: tuple[float, float, float]
    """Cumulative probability of down, up, across after falling back from empty directions."""


def _truncated_means(lam: float, max_n: int) -> np.ndarray:
    """T[n] = E[min(1 + X, n)] for X ~ Poisson(lam), n = 0..max_n (T[0] = 0)."""
    j = np.arange(max_n, dtype=float)
    log_pmf = -lam + j * math.log(lam) - np.array([math.lgamma(v + 1) for v in j]) if lam > 0 \
        else np.where(j == 0, 0.0, -np.inf)
    pmf = np.exp(log_pmf)
    survival = 1.0 - np.cumsum(pmf)  # P(X >= j + 1) at index j
    # E[min(1+X, n)] = 1 + sum_{j=1}^{n-1} P(X >= j)
    table = np.zeros(max_n + 1)
    table[1:] = 1.0 + np.concatenate(([0.0], np.cumsum(np.clip(survival[:-1], 0.0, 1.0))))
    return table


class Demand:
    """The traffic model over one network; immutable once built."""

    def __init__(self, network: Network, config: DemandConfig) -> None:
        self.network = network
        self.config = config
        self.volume = volume_multipliers(network.agencies, config.volumes,
                                         network.config.structure, network.seed)
        """Each agency's rate over its kind's (mean 1 over a kind's connected agencies)."""
        self.profiles = self._make_profiles()
        self.by_agency = {profile.agency: profile for profile in self.profiles}
        self.poisson_lambda = self._solve_lambda()
        self._size_mu = math.log(config.size.median_kb * 1024.0)
        self._priority_cdf = np.cumsum(config.priority.shares())

    # -- construction ------------------------------------------------------------------------

    def _make_profiles(self) -> list[SenderProfile]:
        net = self.network
        agencies = net.agencies
        children: dict[int, list[int]] = {}
        for agency in agencies:
            if agency.parent is not None and agency.connected:
                children.setdefault(agency.parent, []).append(agency.index)
        tops = {"central_body": [], "province_committee": []}
        for agency in net.connected:
            if agency.kind in tops:
                tops[agency.kind].append(agency.index)
        office = next((a.index for a in agencies
                       if a.kind == "central_body" and a.code.endswith(GOVERNMENT_OFFICE)
                       and a.connected), None)
        shares = np.array([self.config.routing.down, self.config.routing.up,
                           self.config.routing.across])
        profiles = []
        for agency in net.connected:
            rate = (self.config.documents_per_day.get(agency.kind) * self.config.scale
                    * float(self.volume[agency.index]))
            if rate <= 0:
                continue
            down = list(children.get(agency.index, ()))
            if agency.kind == "central_body":
                down += tops["province_committee"]
            up = self._superior(agency, agencies, office)
            if agency.parent is None:
                across = [i for i in tops.get(agency.kind, ()) if i != agency.index]
            else:
                across = [i for i in children.get(agency.parent, ())
                          if i != agency.index and agencies[i].kind == agency.kind]
            candidates = (np.array(down, dtype=np.int64), np.array(up, dtype=np.int64),
                          np.array(across, dtype=np.int64))
            present = np.array([len(c) > 0 for c in candidates], dtype=float)
            weights = shares * present
            if weights.sum() <= 0:
                weights = present  # only directions the scenario gave no share to are possible
            if weights.sum() <= 0:
                continue  # nobody to write to: this agency sends nothing over the axis
            cdf = np.cumsum(weights / weights.sum())
            profiles.append(SenderProfile(agency.index, rate, candidates,
                                          (float(cdf[0]), float(cdf[1]), 1.0)))
        return profiles

    @staticmethod
    def _superior(agency: Agency, agencies: list[Agency], office: int | None) -> list[int]:
        parent = agency.parent
        while parent is not None:
            if agencies[parent].connected:
                return [parent]
            parent = agencies[parent].parent
        if office is not None and office != agency.index:
            return [office]
        return []

    @cached_property
    def _shape(self) -> tuple[np.ndarray, np.ndarray]:
        """Per profile: direction probabilities (down, up, across) and candidate counts, as
        arrays, so the expectation for a lambda is a few vector operations."""
        cdf = np.array([p.direction_cdf for p in self.profiles]).reshape(-1, 3)
        probabilities = np.diff(cdf, axis=1, prepend=0.0)
        counts = np.array([[len(c) for c in p.candidates] for p in self.profiles],
                          dtype=np.int64).reshape(-1, 3)
        return probabilities, counts

    def _expected_recipients(self, lam: float) -> np.ndarray:
        """Expected recipients per document for each sender profile, given lambda."""
        cap = self.config.max_recipients
        table = _truncated_means(lam, cap)
        probabilities, counts = self._shape
        capped = np.minimum(counts, cap)
        return (probabilities[:, 0] * table[capped[:, 0]]
                + probabilities[:, 1] * np.minimum(counts[:, 1], 1)
                + probabilities[:, 2] * table[capped[:, 2]])

    def _solve_lambda(self) -> float:
        """Bisection on lambda so the rate-weighted mean recipients hits the target."""
        if not self.profiles:
            return 0.0
        weights = np.array([p.documents_per_day for p in self.profiles])
        target = self.config.mean_recipients

        def mean_for(lam: float) -> float:
            return float(np.average(self._expected_recipients(lam), weights=weights))

        low, high = 0.0, float(self.config.max_recipients)
        if mean_for(high) < target:
            return high  # the network cannot reach the target: fan-out is as wide as it gets
        for _ in range(50):
            mid = (low + high) / 2
            if mean_for(mid) < target:
                low = mid
            else:
                high = mid
        return (low + high) / 2

    # -- expectations ------------------------------------------------------------------------

    @cached_property
    def expected_recipients(self) -> np.ndarray:
        return self._expected_recipients(self.poisson_lambda)

    @property
    def documents_per_day(self) -> float:
        return float(sum(p.documents_per_day for p in self.profiles))

    @property
    def mean_recipients(self) -> float:
        if not self.profiles:
            return 0.0
        weights = np.array([p.documents_per_day for p in self.profiles])
        return float(np.average(self.expected_recipients, weights=weights))

    @property
    def deliveries_per_day(self) -> float:
        return self.documents_per_day * self.mean_recipients

    @cached_property
    def received_per_day(self) -> np.ndarray:
        """Expected deliveries each agency receives per working day (by agency index)."""
        received = np.zeros(len(self.network.agencies))
        table = _truncated_means(self.poisson_lambda, self.config.max_recipients)
        cap = self.config.max_recipients
        for profile in self.profiles:
            low = 0.0
            for direction, candidates in enumerate(profile.candidates):
                p = profile.direction_cdf[direction] - low
                low = profile.direction_cdf[direction]
                n = len(candidates)
                if p <= 0 or n == 0:
                    continue
                expected = 1.0 if direction == 1 else table[min(n, cap)]
                received[candidates] += profile.documents_per_day * p * expected / n
        return received

    @cached_property
    def per_level(self) -> dict[int, dict[str, float]]:
        """Expected documents sent by, and deliveries received at, each level per working day."""
        agencies = self.network.agencies
        sent = dict.fromkeys((1, 2, 3, 4), 0.0)
        received = dict.fromkeys((1, 2, 3, 4), 0.0)
        table = _truncated_means(self.poisson_lambda, self.config.max_recipients)
        cap = self.config.max_recipients
        for profile in self.profiles:
            rate = profile.documents_per_day
            sent[KIND_LEVEL[agencies[profile.agency].kind]] += rate
            lo = 0.0
            for direction, candidates in enumerate(profile.candidates):
                p = profile.direction_cdf[direction] - lo
                lo = profile.direction_cdf[direction]
                if p <= 0 or len(candidates) == 0:
                    continue
                expected = 1.0 if direction == 1 else table[min(len(candidates), cap)]
                levels = np.array([KIND_LEVEL[agencies[i].kind] for i in candidates])
                for level in (1, 2, 3, 4):
                    share = float(np.count_nonzero(levels == level)) / len(candidates)
                    received[level] += rate * p * expected * share
        return {level: {"documents_per_day": sent[level], "deliveries_per_day": received[level]}
                for level in (1, 2, 3, 4)}

    # -- sampling ----------------------------------------------------------------------------

    def sample_recipients(self, sender: int, rng: np.random.Generator) -> np.ndarray:
        """Recipient agency indices for one document from `sender` (distinct, at least one)."""
        profile = self.by_agency[sender]
        u = rng.random()
        cdf = profile.direction_cdf
        direction = 0 if u < cdf[0] else (1 if u < cdf[1] else 2)
        candidates = profile.candidates[direction]
        if direction == 1 or len(candidates) == 1:
            return candidates[:1]
        count = min(1 + int(rng.poisson(self.poisson_lambda)), len(candidates),
                    self.config.max_recipients)
        if count == 1:
            pick = int(rng.integers(len(candidates)))
            return candidates[pick : pick + 1]
        return candidates[rng.choice(len(candidates), size=count, replace=False)]

    def sample_priority(self, rng: np.random.Generator) -> int:
        """0 normal, 1 urgent, 2 very urgent, 3 flash (edXML OtherInfo/Priority)."""
        return int(np.searchsorted(self._priority_cdf, rng.random(), side="right").clip(0, 3))

    def sample_size_bytes(self, rng: np.random.Generator) -> int:
        size = rng.lognormal(self._size_mu, self.config.size.sigma)
        return int(min(size, self.config.size.max_kb * 1024.0))
