"""End-to-end latency with microsecond resolution, mergeable across Locust processes.

Locust's own statistics round response times into coarse buckets; the headline figure of this
project (intended send -> fetched by the recipient) needs exact percentiles, so every process
also records into HdrHistograms (1 us to 10 hours, 3 significant digits) and ships them encoded
to the master, which adds them up. The same samples are fired into Locust's statistics as
request type "E2E" so they appear beside the HTTP requests in the UI and the CSV files.
"""

from __future__ import annotations

from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_US = 1
HIGHEST_US = 10 * 3600 * 1_000_000
DIGITS = 3
E2E = "E2E"
SERIES = ("deliver", "ack", "status deliver")
"""deliver: intended send -> fetched by the recipient; ack: -> acknowledged; status deliver:
a status package's intended send -> fetched by the original sender."""


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


class LatencyRecorder:
    """One histogram per series; `take()` returns and clears what was recorded since last time."""

    def __init__(self) -> None:
        self.histograms = {name: new_histogram() for name in SERIES}

    def record(self, series: str, seconds: float) -> None:
        micros = min(max(round(seconds * 1e6), LOWEST_US), HIGHEST_US)
        self.histograms[series].record_value(micros)

    def take(self) -> dict[str, str]:
        """Encoded histograms of the non-empty series, then reset (a delta for the master)."""
        out = {}
        for name, histogram in self.histograms.items():
            if histogram.get_total_count():
                out[name] = histogram.encode().decode()
                histogram.reset()
        return out

    def add_encoded(self, encoded: dict[str, str]) -> None:
        for name, text in encoded.items():
            self.histograms.setdefault(name, new_histogram()).decode_and_add(text.encode())


def summarize(histogram: HdrHistogram) -> dict[str, Any]:
    """p50/p90/p99/p999/max/mean in seconds (None when empty), plus the count."""
    count = histogram.get_total_count()
    if not count:
        return {"count": 0, "p50": None, "p90": None, "p99": None, "p999": None, "max": None,
                "mean": None, "mean_ci95": None}
    at = histogram.get_value_at_percentile
    return {"count": int(count), "p50": at(50) / 1e6, "p90": at(90) / 1e6, "p99": at(99) / 1e6,
            "p999": at(99.9) / 1e6, "max": histogram.get_max_value() / 1e6,
            "mean": histogram.get_mean_value() / 1e6, "mean_ci95": None}


def quantile_points(histogram: HdrHistogram, points: int = 1000) -> list[float]:
    """Latencies (s) at evenly spaced quantiles: a compact stand-in for the samples (CDF plots)."""
    if not histogram.get_total_count():
        return []
    step = 100.0 / points
    values = [histogram.get_value_at_percentile(step * (i + 0.5)) / 1e6 for i in range(points)]
    values.append(histogram.get_max_value() / 1e6)
    return values


def fire(events: Any, series: str, seconds: float, size: int = 0) -> None:
    """Report one end-to-end sample into Locust's statistics (milliseconds, as Locust counts)."""
    events.request.fire(request_type=E2E, name=series, response_time=seconds * 1000.0,
                        response_length=size, exception=None, context={})
