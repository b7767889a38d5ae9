"""Histograms, confidence intervals and bins: the measuring instruments themselves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.metrics import Bins, encode, histogram_of, merge, percentiles_s
from sim.stats import mean_ci95, t975


def test_histogram_percentiles_match_numpy_to_a_millisecond() -> None:
    samples = np.random.default_rng(0).exponential(30.0, 50_000)
    hist = histogram_of(samples)
    got = percentiles_s(hist)
    for key, q in (("p50", 50), ("p90", 90), ("p99", 99)):
        assert got[key] == pytest.approx(np.percentile(samples, q), rel=2e-3, abs=1e-3)
    assert got["max"] == pytest.approx(samples.max(), rel=1e-3)


def test_histograms_merge_across_processes_by_encoding() -> None:
    a, b = histogram_of(np.full(100, 1.0)), histogram_of(np.full(300, 2.0))
    merged = merge([encode(a), encode(b), ""])
    assert merged.get_total_count() == 400
    assert merged.get_value_at_percentile(50.0) == pytest.approx(2000, rel=1e-3)


def test_confidence_interval_is_student_t() -> None:
    assert t975(1) == 12.706 and t975(19) == 2.093 and t975(1000) == 1.960
    mean, half = mean_ci95([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5
    assert half == pytest.approx(3.182 * math.sqrt(5 / 3 / 4))
    assert mean_ci95([7.0]) == (7.0, None)


def test_bins_cover_the_run_and_clamp_the_tail() -> None:
    bins = Bins(origin=100.0, width=10.0, end=200.0)
    assert bins.index(100.0) == 0 and bins.index(155.0) == 5
    assert bins.index(10_000.0) == len(bins.sent) - 1

