"""The run's time frame: its calendar, when it starts and stops, the warm-up, the bin width.

Calendar demand runs from the first working period of the calendar (or `simulation.start_at` on
its first day: a window of the day, such as its busy hour, without simulating the hours before
it) to the end of its last working day (or `simulation.horizon_s` after the start); stationary
traffic runs from 0 to
`simulation.horizon_s`, which it therefore requires. Arrivals stop at the horizon; the run then
drains (sim/model.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.inputs import SimInput, SimInputError
from topology.calendar import WorkCalendar

NICE_BINS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200,
             86400)


def nice_bin(span_s: float, target_bins: int = 1500) -> float:
    """The smallest round bin width giving at most `target_bins` bins over the span."""
    for width in NICE_BINS:
        if span_s / width <= target_bins:
            return float(width)
    return float(NICE_BINS[-1])


def _clock(t: float) -> str:
    """Scenario seconds as the time of day, HH:MM (day 0 implied)."""
    minutes = round(t / 60.0) % 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_outages_reach(inp: SimInput, origin: float, start: float) -> None:
    """A scheduled outage that is over before the run starts (`start_at` after it: outages
    count from the first working period) would have no effect: refused, not silently kept."""
    from sim.failures import scheduled

    plan = scheduled(inp.failures, origin)
    for what, spans in (*plan.axes.items(), *((f"link {name}-national", spans)
                                              for name, spans in plan.links.items())):
        for down, up in spans:
            if up <= start:
                raise SimInputError(
                    f"failures.outages: {what} down {_clock(down)}-{_clock(up)} is over before "
                    f"the run starts at {_clock(start)} (simulation.start_at; outages count "
                    "from the first working period): it would have no effect")


@dataclass(frozen=True)
class TimeFrame:
    calendar: WorkCalendar
    start: float
    origin: float
    """The first working period's start (= start unless `start_at` moved it): scheduled
    outages count from here, so a window of the day does not move them."""
    horizon: float
    """Arrivals stop here."""
    measure_from: float
    """End of the warm-up: statistics count from here."""

    @classmethod
    def of(cls, inp: SimInput) -> TimeFrame:
        """The frame of a scenario; `SimInputError` (or the calendar's `ValueError`) if none."""
        sim_cfg = inp.simulation
        if inp.traffic is None:
            calendar = WorkCalendar(inp.calendar, inp.demand.growth, sim_cfg.days,
                                    inp.demand.uptake)
            origin = next(calendar.working_intervals())[1]
            start = origin
            if sim_cfg.start_at is not None:
                hours, minutes = sim_cfg.start_at.split(":")
                start = (calendar.day_offset_s(calendar.days[0]) + int(hours) * 3600.0
                         + int(minutes) * 60.0)
            horizon = start + sim_cfg.horizon_s if sim_cfg.horizon_s else calendar.horizon_s
            if horizon <= start:
                raise SimInputError(f"simulation.start_at: {sim_cfg.start_at} is after the "
                                    "calendar's last working period; nothing to simulate")
        else:
            if sim_cfg.horizon_s is None:
                raise SimInputError("simulation.horizon_s: required when [traffic] is given")
            if sim_cfg.start_at is not None:
                raise SimInputError("simulation.start_at: only for calendar demand; [traffic] "
                                    "runs from 0 to simulation.horizon_s")
            calendar = WorkCalendar(inp.calendar, (), None)
            start, horizon = 0.0, sim_cfg.horizon_s
            origin = start
        _check_outages_reach(inp, origin, start)
        measure_from = start + sim_cfg.warmup_s
        if measure_from >= horizon:
            raise SimInputError(f"simulation.warmup_s: {sim_cfg.warmup_s:g} s leaves nothing "
                                "to measure before the horizon")
        if inp.traffic is None and not any(a < horizon and b > measure_from
                                           for _, a, b in calendar.working_intervals()):
            raise SimInputError(
                f"simulation.start_at / warmup_s / horizon_s: the measured window "
                f"{_clock(measure_from)}-{_clock(horizon)} holds no working time "
                f"(calendar.work_periods {', '.join(inp.calendar.work_periods)}): no document "
                "sent in it would be measured")
        return cls(calendar, start, origin, horizon, measure_from)

    def bin_width(self, bin_s: float | None) -> float:
        return bin_s or nice_bin(self.horizon - self.start)
