from loadtest.timeline import Timeline


def test_rates_and_backlog_per_second_merged_from_processes():
    a, b, master = Timeline(), Timeline(), Timeline()
    a.count("sent", 100.2)
    a.count("accepted_deliveries", 100.2, 3)
    b.count("fetches", 101.5, 2)
    b.count("delivered", 101.5, 2)
    b.count("fetches", 103.0)
    a.count("late_sends", 102.7)
    master.merge(a.take())
    master.merge(b.take())
    rows = master.rows(100.0, 103.9)
    assert [r["backlog"] for r in rows] == [3, 1, 1, 0]
    assert rows[0]["sent_per_s"] == 1 and rows[1]["delivered_per_s"] == 2
    assert [r["late_per_s"] for r in rows] == [0, 0, 1, 0]
    assert a.take() == {}
