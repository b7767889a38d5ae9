"""What a replication measures, and how replications are merged.

Latencies go into HdrHistograms (3 significant digits, 1 ms to about 4 months, values in ms):
percentiles from them are exact to 0.1%, they merge across replications by addition, and they
travel between processes as compact encoded strings instead of millions of samples. Per level
pair (`1-4`: a central sender, a commune recipient) there is one histogram of send -> fetched.
Means are kept exactly (sums) for the confidence intervals.
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np
from hdrh.histogram import HdrHistogram

HIGHEST_MS = 10_000_000_000
DIGITS = 3


def new_histogram() -> HdrHistogram:
    return HdrHistogram(1, HIGHEST_MS, DIGITS)


def histogram_of(samples_s: array | np.ndarray) -> HdrHistogram:
    """Record seconds as whole milliseconds (at least 1), grouped so it costs one call per
    distinct value rather than per sample."""
    hist = new_histogram()
    if len(samples_s):
        ms = np.maximum(np.rint(np.frombuffer(samples_s, dtype=float) * 1000.0)
                        if isinstance(samples_s, array) else
                        np.rint(np.asarray(samples_s, dtype=float) * 1000.0), 1)
        ms = np.minimum(ms, HIGHEST_MS).astype(np.int64)
        values, counts = np.unique(ms, return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            hist.record_value(value, count)
    return hist


def encode(hist: HdrHistogram) -> str:
    return hist.encode().decode() if hist.get_total_count() else ""


def merge(encoded: list[str]) -> HdrHistogram:
    total = new_histogram()
    for text in encoded:
        if text:
            total.decode_and_add(text)
    return total


def percentiles_s(hist: HdrHistogram) -> dict[str, float | None]:
    """p50/p90/p99/max in seconds (None when empty)."""
    if hist.get_total_count() == 0:
        return {"p50": None, "p90": None, "p99": None, "max": None}
    return {
        "p50": hist.get_value_at_percentile(50.0) / 1000.0,
        "p90": hist.get_value_at_percentile(90.0) / 1000.0,
        "p99": hist.get_value_at_percentile(99.0) / 1000.0,
        "max": hist.get_max_value() / 1000.0,
    }


def cdf_s(hist: HdrHistogram, quantiles: np.ndarray) -> tuple[list[float], list[float]]:
    """Latency (s) at each quantile, for the shared latency_cdf*.csv files."""
    if hist.get_total_count() == 0:
        return [], []
    values = [hist.get_value_at_percentile(min(q * 100.0, 100.0)) / 1000.0 for q in quantiles]
    return values, [float(q) for q in quantiles]


class Bins:
    """Counters per time bin from `origin` to `end` (the last bin also takes anything later).

    Plain lists of ints: incrementing one is the cheapest counter Python has, and these are
    touched once per request."""

    MAX_BINS = 250_000

    def __init__(self, origin: float, width: float, end: float) -> None:
        if (end - origin) / width > self.MAX_BINS:
            width = (end - origin) / self.MAX_BINS
        count = int((end - origin) / width) + 2
        self.origin, self.width = origin, width
        self.rate = 1.0 / width
        self.sent = [0] * count
        self.accepted = [0] * count
        self.delivered = [0] * count
        self.requests = [0] * count

    def index(self, t: float) -> int:
        i = int((t - self.origin) * self.rate)
        return i if i < len(self.sent) else len(self.sent) - 1

    def as_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "width": self.width, "sent": self.sent,
                "accepted": self.accepted, "delivered": self.delivered,
                "requests": self.requests}
