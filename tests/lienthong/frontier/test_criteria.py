"""The SLA a run is judged by, and how a frontier's answer is written."""

from __future__ import annotations

import pytest

from lienthong.frontier.criteria import NothingMeasured, RunFigures, Sla
from lienthong.frontier.output import label, multiplier_text


def _figures(share: float | None, p99: float | None) -> RunFigures:
    return RunFigures(sla_met_fraction=share, ack_p99_s=p99, latency_p50_s=30.0,
                      latency_p99_s=p99, deliveries=100, max_utilization=0.5, events=1,
                      wall_s=0.1)


def test_share_and_p99_both_bind() -> None:
    sla = Sla(0.99, 120.0)
    assert sla.meets(_figures(0.995, 119.0))
    assert not sla.meets(_figures(0.98, 60.0))
    assert not sla.meets(_figures(1.0, 121.0))
    assert Sla(0.99).meets(_figures(1.0, 1e6))  # no p99 bound asked


def test_a_run_that_measured_nothing_is_not_a_pass() -> None:
    with pytest.raises(NothingMeasured, match="measured no delivery"):
        Sla(0.99, 120.0).meets(_figures(None, None))


@pytest.mark.parametrize(("value", "text"), [(66.2, "66.2"), (176.7, "177"), (1024.0, "1024"),
                                             (0.0625, "0.0625"), (5.0, "5")])
def test_multipliers_are_written_without_exponents(value: float, text: str) -> None:
    assert multiplier_text(value) == text


def test_bounds_say_which_side() -> None:
    row = {"max_multiplier": 1024.0, "at_least": True, "below": False}
    assert label(row) == ">= 1024"
    assert label({**row, "at_least": False, "below": True, "max_multiplier": 0.0625}) == \
        "< 0.0625"
