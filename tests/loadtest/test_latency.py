import pytest
from hdrh.histogram import HdrHistogram

from loadtest.latency import LatencyRecorder, quantile_points, summarize


def test_microsecond_resolution_and_merging_deltas():
    worker_a, worker_b, master = LatencyRecorder(), LatencyRecorder(), LatencyRecorder()
    for i in range(1, 1001):
        worker_a.record("deliver", i * 0.000_123)       # 123 us steps
    worker_b.record("deliver", 2.5)
    master.add_encoded(worker_a.take())
    master.add_encoded(worker_b.take())
    assert worker_a.take() == {}                        # a delta, then empty
    stats = summarize(master.histograms["deliver"])
    assert stats["count"] == 1001
    assert stats["p50"] == pytest.approx(0.0616, rel=2e-3)
    assert stats["max"] == pytest.approx(2.5, rel=1e-3)
    assert stats["mean"] == pytest.approx((0.000123 * 500500 + 2.5) / 1001, rel=2e-3)


def test_empty_series_and_quantile_points():
    assert summarize(HdrHistogram(1, 10**9, 3))["p99"] is None
    recorder = LatencyRecorder()
    for value in (0.1, 0.2, 0.3):
        recorder.record("ack", value)
    points = quantile_points(recorder.histograms["ack"], points=10)
    assert points == sorted(points) and points[-1] == pytest.approx(0.3, rel=1e-3)
