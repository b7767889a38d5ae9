from lienthong.progress import progress


def test_lines_say_the_time_left_from_the_pace_so_far(capsys, monkeypatch):
    clock = iter([100.0, 160.0])  # started at 100 s; one of four done at 160 s
    monkeypatch.setattr("lienthong.progress.time.monotonic", lambda: next(clock))
    say = progress()
    say("point 1/2, replication 1: done (1/4)")
    line = capsys.readouterr().err.strip()
    assert line.endswith("done (1/4); about 3 min left") and line.startswith("[")


def test_quiet_says_nothing(capsys):
    progress(quiet=True)("replication 1/2 done (1/2)")
    assert capsys.readouterr().err == ""
