"""Drain time and the backlog plot of a federated run, from made-up samples."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

from lienthong.federation_run import (
    drain_times,
    figures,
    held_back_drains,
    intended_time,
    relative_windows,
)


def samples(relay_at: dict[float, float]) -> list[tuple[float, str, float, float]]:
    """One axis answering every second, with the given relay queue; another always at 0."""
    rows = []
    for t in range(100, 141):
        rows.append((float(t), "axis:national", 1.0, relay_at.get(t, 0.0)))
        rows.append((float(t), "axis:H02", 2.0, 0.0))
    return rows


def test_drain_is_from_recovery_to_the_queue_back_at_its_level_before() -> None:
    relay = {t: 1.0 for t in range(100, 141)}  # a steady queue of 1 before the outage
    relay.update({t: float(5 * (t - 109)) for t in range(110, 121)})  # growing while down
    relay.update({121: 40.0, 122: 20.0, 123: 8.0, 124: 1.0})
    rows = samples(relay)
    assert drain_times({"axis:H02": [[110.0, 120.5]]}, rows) == {
        "axis:H02": {"count": 1, "mean": 3.5, "max": 3.5}}
    # never back within the run: not counted
    stuck = samples({t: (50.0 if t >= 110 else 0.0) for t in range(100, 141)})
    assert drain_times({"axis:H01": [[110.0, 120.0]]}, stuck) == {}
    assert relative_windows({"axis:H01": [[110.0, 120.5]]}, 100.0) == {
        "axis:H01": [[10.0, 20.5]]}


def test_figures_write_the_backlog_csv_and_plot(tmp_path) -> None:
    relay = {t: float(max(0, 20 - abs(t - 120))) for t in range(110, 131)}
    record = SimpleNamespace(backlog=samples(relay), windows={"axis:H02": [[110.0, 120.0]]},
                             urls={"national": "http://n", "H02": "http://h"},
                             regions=["H02"], errors=[],
                             link_windows={"axis:H02": [[122.0, 124.0]]},
                             relay_backoff="0.625,1.25,2.5")
    keys = figures(tmp_path, record, 100.0, {"axis:H02": "kill"}, "test")
    assert keys["outages"] == {"axis:H02": [[10.0, 20.0]]}
    assert keys["link_outages"] == {"axis:H02": [[22.0, 24.0]]}
    assert keys["federation"]["relay_backoff_s"] == [0.625, 1.25, 2.5]
    assert keys["drain_time_s"] == {}  # no store of axis:H02 in the run directory
    assert keys["federation"]["backlog_drain_s"]["axis:H02"]["max"] == 11.0  # 0 at t = 131
    assert keys["federation"]["backlog_max"] == {"axis:national": 21.0, "axis:H02": 2.0}
    lines = (tmp_path / "backlog_axes.csv").read_text().splitlines()
    assert lines[0] == "time_s,axis,pending_deliveries,relay_queue,backlog" and len(lines) == 83
    assert (tmp_path / "backlog_axes.png").stat().st_size > 10_000


def test_drain_time_is_the_last_held_back_package_stored_after_the_outage(tmp_path) -> None:
    """Stored after the outage ended (t = 1000) with an intended time before it: held back."""
    with sqlite3.connect(tmp_path / "axis-H21.sqlite3") as conn:
        conn.execute("CREATE TABLE documents (created_at REAL, body BLOB)")
        for created, intended in ((990.0, "00:16:20"), (1001.0, "00:16:35"),
                                  (1003.5, "00:16:39.250000"), (1009.0, "00:16:45")):
            body = (f"<e><TraceHeader><OrganId>x</OrganId><Timestamp>1970/01/01 {intended}"
                    "</Timestamp></TraceHeader></e>").encode()
            conn.execute("INSERT INTO documents VALUES (?, ?)", (created, body))
    assert intended_time(b"<Timestamp>1970/01/01 00:16:39.25</Timestamp>") == 999.25
    assert held_back_drains(tmp_path, {"axis:H21": [[900.0, 1000.0]]}) == {
        "axis:H21": {"count": 1, "mean": 3.5, "max": 3.5}}
    assert held_back_drains(tmp_path, {"axis:H99": [[900.0, 1000.0]]}) == {}
