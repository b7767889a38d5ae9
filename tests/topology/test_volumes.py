"""Agencies are not alike: heavy-tailed volumes within a kind, the kind's mean kept, seeded."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import scenario_model
from topology.build import build_topology
from topology.config import AGENCY_KINDS, DemandConfig, PerKind, RolloutConfig, TopologyConfig


def _model(seed: int = 2020, coverage: dict[str, float] | None = None,
           demand: DemandConfig | None = None):  # type: ignore[no-untyped-def]
    rollout = RolloutConfig(preset="2019", coverage=coverage or {})
    return build_topology(TopologyConfig(), rollout, demand or DemandConfig(), seed)


def _rates_by_kind(model) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    agencies = model.network.agencies
    rates: dict[str, list[float]] = {}
    for profile in model.demand.profiles:
        rates.setdefault(agencies[profile.agency].kind, []).append(profile.documents_per_day)
    return rates


def test_each_kind_keeps_its_mean_rate() -> None:
    model = _model()
    config = DemandConfig()
    for kind, rates in _rates_by_kind(model).items():
        assert np.mean(rates) == pytest.approx(config.documents_per_day.get(kind), rel=1e-9)


def test_volumes_are_heavy_tailed_and_the_government_office_heaviest() -> None:
    model = _model()
    rates = _rates_by_kind(model)
    departments = np.array(rates["province_department"])
    assert departments.max() / np.median(departments) > 4.0  # sigma 0.8 over 1,197 draws
    assert np.mean(departments) > np.median(departments) * 1.2  # right-skewed
    network, demand = model.network, model.demand
    office = network.by_code["000.00.00.G22"].index
    finance = network.by_code["000.00.00.G12"].index
    central = [a.index for a in network.agencies if a.kind == "central_body"]
    volumes = sorted((demand.volume[i] for i in central), reverse=True)
    assert demand.volume[office] == volumes[0] and demand.volume[finance] == volumes[1]


def test_sigma_zero_makes_agencies_alike() -> None:
    alike = PerKind(**{kind: 0.0 for kind in AGENCY_KINDS})
    model = _model(demand=DemandConfig(volumes={"sigma": alike.model_dump()}))
    assert np.all(model.demand.volume == 1.0)


def test_same_seed_same_volumes_and_coverage_does_not_move_the_draws() -> None:
    a, b, c = _model(seed=7), _model(seed=7), _model(seed=8)
    assert np.array_equal(a.demand.volume, b.demand.volume)
    assert not np.array_equal(a.demand.volume, c.demand.volume)
    half = _model(seed=7, coverage={"province_department": 0.5})
    both = [ag.index for ag in half.network.agencies
            if ag.kind == "province_department" and ag.connected][:2]
    ratio_full = a.demand.volume[both[0]] / a.demand.volume[both[1]]
    assert half.demand.volume[both[0]] / half.demand.volume[both[1]] == pytest.approx(ratio_full)


def test_received_per_day_adds_up_to_the_deliveries() -> None:
    demand = scenario_model("baseline-2019").demand
    assert demand.received_per_day.sum() == pytest.approx(demand.deliveries_per_day, rel=1e-9)
