"""The run's time frame: `simulation.start_at` runs a window of the day (e.g. its busy hour)."""

from __future__ import annotations

import numpy as np
import pytest

from lienthong.errors import UserError
from sim.arrivals import Batch
from sim.inputs import SimInputError
from sim.replications import run_one
from sim.sources import _within
from sim.timeframe import TimeFrame
from tests.sim.simcase import sim_input

WINDOW = ["simulation.start_at=09:00", "simulation.warmup_s=600", "simulation.horizon_s=1200"]


def test_start_at_moves_the_start_and_keeps_the_origin_of_outages() -> None:
    plain = TimeFrame.of(sim_input("baseline-2019.toml", ["simulation.horizon_s=1200"]))
    window = TimeFrame.of(sim_input("baseline-2019.toml", WINDOW))
    day = plain.start - 7.5 * 3600.0  # midnight of the first working day
    assert plain.start == plain.origin == day + 7.5 * 3600.0
    assert window.start == day + 9 * 3600.0 and window.origin == plain.origin
    assert window.horizon == window.start + 1200.0
    assert window.measure_from == window.start + 600.0


def test_documents_before_the_start_are_not_sent() -> None:
    """Bins count from the start: a document sent before it would land in a bin with a negative
    index, at the far end of the run, beyond the horizon."""
    inp = sim_input("baseline-2019.toml", WINDOW)
    result = run_one(inp, 0)
    frame = TimeFrame.of(inp)
    assert result.start_s == frame.start and result.bins["origin"] == frame.start
    sent, width = result.bins["sent"], result.bins["width"]
    assert result.documents > 0 and sum(sent) == result.documents
    after = int((frame.horizon - frame.start) / width) + 1
    assert sum(sent[after:]) == 0


def test_within_cuts_batches_to_the_window_and_keeps_the_draws() -> None:
    def batch(times: list[float]) -> Batch:
        n = len(times)
        return Batch(np.array(times), np.arange(n), np.zeros(n, dtype=np.int64),
                     np.ones(n), 0.0)

    kept = list(_within(iter([batch([1.0, 2.0]), batch([3.0, 4.0, 5.0]), batch([6.0, 7.0]),
                              batch([8.0, 9.0])]), 2.0, 7.0))
    assert [b.times.tolist() for b in kept] == [[2.0], [3.0, 4.0, 5.0], [6.0]]
    assert kept[0].senders.tolist() == [1]  # the second document of the first batch


@pytest.mark.parametrize(("overrides", "message"), [
    (["simulation.start_at=9:00"], "start_at: not a time of day of the form HH:MM"),
    (["simulation.start_at=24:00"], r"start_at: .*\(got .24:00.\)"),
])
def test_a_malformed_start_is_named(overrides: list[str], message: str) -> None:
    with pytest.raises(UserError, match=message):
        sim_input("baseline-2019.toml", overrides)


def test_a_start_after_the_working_day_or_with_traffic_is_refused() -> None:
    with pytest.raises(SimInputError, match="start_at"):
        TimeFrame.of(sim_input("validation/mmc.toml", ["simulation.start_at=09:00"]))
    with pytest.raises(SimInputError, match="nothing to simulate"):
        TimeFrame.of(sim_input("baseline-2019.toml", ["simulation.start_at=23:00",
                                                    "simulation.days=1"]))


@pytest.mark.parametrize("overrides", [
    ["simulation.start_at=12:00", "simulation.horizon_s=600"],  # the lunch break
    ["simulation.start_at=11:20", "simulation.warmup_s=1200", "simulation.horizon_s=3600"],
    ["simulation.start_at=17:30", "simulation.horizon_s=3600"],  # after the working day
])
def test_a_measured_window_without_working_time_is_refused(overrides: list[str]) -> None:
    """Nothing sent in it would be measured: an error naming the window and the working
    periods, not a run that reports no SLA (or a frontier that climbs to its bound)."""
    with pytest.raises(SimInputError, match=r"holds no working time \(calendar.work_periods "
                       r"07:30-11:30, 13:00-17:00\)"):
        TimeFrame.of(sim_input("baseline-2019.toml", overrides))


def test_an_outage_over_before_the_window_starts_is_refused() -> None:
    """Outages count from the first working period: one that ends before `start_at` would
    silently do nothing; one that reaches into the window is kept."""
    over = 'failures.outages=[{axis = "axis:H01", start_s = 0, duration_s = 600}]'
    with pytest.raises(SimInputError, match=r"axis:H01 down 07:30-07:40 is over before the "
                       r"run starts at 09:00"):
        TimeFrame.of(sim_input("baseline-2019.toml", [*WINDOW, over]))
    reaching = 'failures.outages=[{axis = "axis:H01", start_s = 5000, duration_s = 600}]'
    assert TimeFrame.of(sim_input("baseline-2019.toml", [*WINDOW, reaching])).start > 0
