"""The drain decision and the merge at the master, without Locust processes."""

import time

from loadtest.collector import Clock, Collector
from loadtest.ledger import EDOC


class FakeRunner:
    def __init__(self, workers: int) -> None:
        self.clients = [object()] * workers


def worker_report(collector: Collector, when: float, pending: int = 0) -> dict:
    data = collector.snapshot()
    data["time"] = when
    data["pending"] = pending
    return data


def test_master_waits_for_every_worker_idle_after_sending_and_nothing_outstanding():
    master = Collector("master", groups=2)
    master.runner = FakeRunner(workers=2)
    start = time.time() - 100
    master.set_clock(Clock(start, 10.0, 2, 1.0))
    sender, receiver = Collector("worker", 2), Collector("worker", 2)
    sender.journal.record_sent(EDOC, "D1", ["A", "B"], start + 1)
    sender.latency.record("deliver", 0.25)
    master.merge("w1", worker_report(sender, start + 12))
    assert not master.quiet()                       # w2 has not reported yet
    receiver.journal.record_fetch(EDOC, "D1", "A", start + 13)
    master.merge("w2", worker_report(receiver, start + 13, pending=1))
    assert not master.quiet()                       # w2 busy, and B still outstanding
    receiver.journal.record_fetch(EDOC, "D1", "B", start + 14)
    master.merge("w2", worker_report(receiver, start + 14))
    assert master.quiet()
    assert master.ledger.reconcile().total_lost == 0
    assert master.merged_latency.histograms["deliver"].get_total_count() == 1


def test_reports_from_before_the_end_of_sending_do_not_count():
    master = Collector("master", groups=1)
    master.runner = FakeRunner(workers=1)
    start = time.time()
    master.set_clock(Clock(start, 10.0, 1, 1.0))
    master.merge("w1", worker_report(Collector("worker", 1), start + 5))
    assert not master.quiet()


def test_local_groups_are_handed_out_once_each():
    local = Collector("local", groups=3)
    assert [local.claim() for _ in range(5)] == [0, 1, 2, None, None]


def test_the_drain_deadline_follows_the_last_scheduled_status():
    master = Collector("master", groups=1)
    master.runner = FakeRunner(workers=1)
    master.set_clock(Clock(1000.0, 10.0, 1, 1.0))
    assert master.drain_deadline(60.0) == 1070.0
    worker = Collector("worker", 1)
    worker.last_due = 1100.0
    master.merge("w1", worker_report(worker, 1050.0))
    assert master.drain_deadline(60.0) == 1160.0
