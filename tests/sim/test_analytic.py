"""The closed forms reproduce published values and agree with each other."""

from __future__ import annotations

import math

import pytest

from sim.analytic import erlang_c, jackson, littles_law_gap, mmc, path_response


def test_pdq_bank_model_m_m_4() -> None:
    """PDQ's README bank model: 4 tellers, 0.35 customers/min, 10 min each -> waiting time
    14.7572 min, residence time 24.7572 min, 8.6650 in system, 5.1650 waiting, 87.5% busy."""
    q = mmc(arrival_rate=0.35, service_time=10.0, servers=4)
    assert q.wait == pytest.approx(14.7572, abs=5e-5)
    assert q.response == pytest.approx(24.7572, abs=5e-5)
    assert q.in_system == pytest.approx(8.6650, abs=5e-5)
    assert q.queue_length == pytest.approx(5.1650, abs=5e-5)
    assert q.utilization == pytest.approx(0.875)


def test_m_m_1_special_case() -> None:
    q = mmc(arrival_rate=0.5, service_time=1.0, servers=1)
    assert q.p_wait == pytest.approx(0.5)
    assert q.wait == pytest.approx(1.0)  # rho S / (1 - rho)
    assert q.response == pytest.approx(2.0)


def test_erlang_c_matches_textbook_sum() -> None:
    for servers, load in ((2, 1.5), (8, 6.0), (30, 27.3)):
        head = sum(load ** k / math.factorial(k) for k in range(servers))
        tail = load ** servers / math.factorial(servers) * servers / (servers - load)
        assert erlang_c(servers, load) == pytest.approx(tail / (head + tail), rel=1e-12)


def test_unstable_queue_is_rejected() -> None:
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(4, 4.0)


def test_jackson_tandem_with_merge() -> None:
    # H01 -> national -> H02 (rate 2), H03 -> national -> H02 (rate 1)
    nodes = jackson(external=[2.0, 1.0, 0.0, 0.0],
                    routing=[[0, 0, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]],
                    service_times=[0.25, 0.25, 0.25, 0.25], servers=[1, 1, 2, 1])
    assert [n.arrival_rate for n in nodes] == pytest.approx([2.0, 1.0, 3.0, 3.0])
    assert nodes[3].wait == pytest.approx(0.75 * 0.25 / 0.25)
    assert path_response(nodes, [0, 2, 3]) == pytest.approx(
        nodes[0].response + nodes[2].response + nodes[3].response)


def test_littles_law_holds_for_the_closed_forms() -> None:
    q = mmc(3.0, 1.0, 4)
    assert littles_law_gap(q.in_system, q.arrival_rate, q.response) < 1e-12
    assert littles_law_gap(q.queue_length, q.arrival_rate, q.wait) < 1e-12
