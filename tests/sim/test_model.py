"""The network model end to end on small scenarios: routes, delivery modes, statuses,
broadcasts, scope, and same seed -> same numbers."""

from __future__ import annotations

import dataclasses

import pytest

from sim.inputs import SimInput, SimInputError
from sim.model import NetworkSim
from sim.replications import build, run_one, run_replications
from sim.result import ReplicationResult
from tests.sim.simcase import sim_input

VOLATILE = ("wall_s",)


def _deterministic(inp: SimInput, **delivery: object) -> SimInput:
    """The Jackson scenario with the default per-operation costs instead of exponential."""
    return dataclasses.replace(
        inp, axis=inp.axis.model_copy(update={"service_mean_s": None, "workers": 4,
                                              "overrides": {}}),
        delivery=inp.delivery.model_copy(update=delivery))


def _stable(result: ReplicationResult) -> dict:
    return {k: v for k, v in result.as_dict().items() if k not in VOLATILE}


def test_documents_follow_the_route_through_three_axes() -> None:
    inp = sim_input("validation/jackson.toml", ["simulation.horizon_s=400"])
    result = run_one(inp, 0)
    axes = result.axes
    assert result.deliveries == result.delivered == result.acked > 1000
    assert axes["axis:national"]["jobs"] == pytest.approx(
        axes["axis:H01"]["jobs"] + axes["axis:H03"]["jobs"], abs=10)  # warm-up edge
    assert axes["axis:H02"]["jobs"] == pytest.approx(axes["axis:national"]["jobs"], abs=10)
    assert axes["axis:H04"]["jobs"] == 0


def test_poll_delivery_waits_for_the_recipients_poll() -> None:
    interval = 60.0
    inp = _deterministic(sim_input("validation/jackson.toml",
                                   ["simulation.horizon_s=600", "traffic.rate_per_s=0.5"]),
                         mode="poll", poll_interval_s=interval)
    result = run_one(inp, 0)
    # one recipient: its poll instant lies uniformly within the interval after arrival
    assert result.latency_mean_s == pytest.approx(interval / 2, rel=0.15)
    assert 0.0 < result.latency_mean_s < interval
    assert result.delivered == result.deliveries
    assert result.poll_rate_per_s == pytest.approx(
        len(build(inp).network.connected) / interval)


@pytest.mark.parametrize("mode", ["push", "long_poll"])
def test_push_and_long_poll_deliver_in_milliseconds(mode: str) -> None:
    inp = _deterministic(sim_input("validation/jackson.toml",
                                   ["simulation.horizon_s=700", "traffic.rate_per_s=0.5"]),
                         mode=mode)
    result = run_one(inp, 0)
    assert result.delivered == result.deliveries > 50
    assert result.latency_mean_s < 0.5


def test_every_fetch_sends_status_01_and_03_back_and_they_arrive() -> None:
    inp = _deterministic(sim_input("validation/jackson.toml",
                                   ["simulation.horizon_s=1200", "traffic.rate_per_s=0.5",
                                    "simulation.warmup_s=0"]),
                         mode="poll", status_messages=True, acknowledge=True,
                         registration_delay_s=120.0)
    result = run_one(inp, 0)
    assert result.statuses_sent == 2 * result.delivered
    assert result.statuses_fetched == result.statuses_sent
    assert result.in_flight == 0
    # the document and both statuses cross the national axis: three relays per delivery
    # (minus the statuses 03 still on their way at the horizon, 10% of the run)
    national = result.axes["axis:national"]["jobs"]
    assert 2.7 * result.delivered < national <= 3 * result.delivered


def test_same_seed_same_numbers_and_jobs_do_not_matter() -> None:
    inp = sim_input("validation/mmc.toml", ["simulation.horizon_s=700"])
    serial = run_replications(inp, 3, jobs=1)
    parallel = run_replications(inp, 3, jobs=2)
    assert [_stable(r) for r in serial] == [_stable(r) for r in parallel]
    assert serial[0].latency_mean_s != serial[1].latency_mean_s  # independent reps
    other = run_one(dataclasses.replace(inp, seed=inp.seed + 1), 0)
    assert other.latency_mean_s != serial[0].latency_mean_s


def test_changing_service_leaves_arrivals_unchanged() -> None:
    """Common random numbers: arrivals have their own streams."""
    base = sim_input("validation/mmc.toml", ["simulation.horizon_s=700"])
    faster = sim_input("validation/mmc.toml", ["simulation.horizon_s=700",
                                               "axis.service_mean_s=0.5"])
    a, b = run_one(base, 0), run_one(faster, 0)
    assert a.documents == b.documents
    assert a.bins["sent"] == b.bins["sent"]
    assert b.latency_mean_s < a.latency_mean_s


def test_broadcast_reaches_every_connected_agency_of_the_kind() -> None:
    inp = sim_input("validation/jackson.toml", [
        "simulation.horizon_s=400", "traffic.rate_per_s=0.01",
        'broadcasts=[{sender = "000.00.00.G22", to_kind = "province_committee", '
        'time = "00:00:30"}]'.replace('"00:00:30"', '"00:01"')])
    result = run_one(inp, 0)
    assert result.deliveries - result.documents + 1 == 63


def test_unknown_agency_code_is_a_clear_error() -> None:
    inp = sim_input("validation/mmc.toml", [
        'traffic.flows=[{sender = "000.00.00.G99", recipient = "000.00.00.G02"}]'])
    with pytest.raises(SimInputError, match=r"traffic\.flows\.sender.*G99"):
        NetworkSim(inp, build(inp), 0)


def test_national_scope_keeps_only_national_traffic() -> None:
    # a September day: the season's first days carry a few dozen national documents (uptake
    # starts near zero), too few to compare two runs' counts within 15%
    inp = sim_input("baseline-2019.toml", ["simulation.days=1", "calendar.start=2019-09-16"])
    everything = run_one(dataclasses.replace(
        inp, simulation=inp.simulation.model_copy(update={"scope": "all"})), 0)
    national = run_one(inp, 0)
    assert national.documents == national.national_documents
    assert national.deliveries == national.national_deliveries
    assert everything.documents > 10 * national.documents
    assert everything.national_documents == pytest.approx(national.documents, rel=0.15)


def test_flash_documents_overtake_normal_ones_under_load() -> None:
    """At 95% load on one axis, flash and very urgent documents wait far less than normal ones
    (non-preemptive priority), and the mean over all stays that of M/M/c."""
    from sim.summary import histograms, summarize

    inp = sim_input("validation/mmc.toml", ["traffic.rate_per_s=3.8",
                                            "simulation.replications=4"])
    results = run_replications(inp, 4, jobs=2)
    by_priority = summarize(inp, results, histograms(results))["latency_by_priority_s"]
    assert by_priority["flash"]["count"] > 100
    assert by_priority["flash"]["mean"] < 0.5 * by_priority["normal"]["mean"]
    assert by_priority["very_urgent"]["mean"] < 0.5 * by_priority["normal"]["mean"]
    assert by_priority["urgent"]["mean"] < by_priority["normal"]["mean"]


def test_horizon_stops_calendar_arrivals() -> None:
    """`simulation.horizon_s` ends calendar demand too: no document is sent after it."""
    inp = sim_input("target-2020.toml", ["simulation.horizon_s=600"])
    result = run_one(inp, 0)
    assert result.horizon_s == result.start_s + 600.0
    bins = result.bins
    sent_after = sum(n for i, n in enumerate(bins["sent"])
                     if bins["origin"] + i * bins["width"] >= result.horizon_s)
    assert sent_after == 0
    # about 600 s of an 8-hour working day (117k documents a day), not the whole day
    assert 0 < result.documents < 10_000


def test_idle_polls_of_a_national_day_are_systems_over_interval() -> None:
    """Issue 11: target-2020's axes are touched many times a second; their idle polls still
    come to connected systems / poll interval (it was 314/s against 346/s)."""
    inp = sim_input("target-2020.toml", ["simulation.horizon_s=3600"])
    network = build(inp).network
    result = run_one(inp, 0)
    expected = len(network.connected) / inp.delivery.poll_interval_s
    measured = sum(axis["poll_rate_per_s"] for axis in result.axes.values())
    assert measured == pytest.approx(expected, rel=0.02)
    national = sum(1 for a in network.connected if a.axis == "axis:national")
    assert result.axes["axis:national"]["poll_rate_per_s"] == pytest.approx(
        national / inp.delivery.poll_interval_s, rel=0.05)
