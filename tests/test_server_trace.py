"""The load test's server trace splits a request's latency where it was spent."""

from bench.server_trace import breakdown


def test_a_run_is_split_into_waiting_running_and_delivering(tmp_path):
    trace = tmp_path / "t.trace"
    trace.write_text(
        # Session a: asked twice before its run started (counts from the first request),
        # ran 0.1 s, its messages left 2 s later. Session b: ran at once, delivered at once.
        "10.0 arrive a\n10.2 arrive a\n10.5 start a\n10.6 end a\n12.6 sent a\n"
        "11.0 arrive b\n11.0 start b\n11.3 end b\n11.31 sent b\n"
        # A run still going when the level ended is not counted.
        "13.0 arrive b\n13.0 start b\n")
    b = breakdown(trace)
    assert b["runs"] == 2
    assert sorted([b["queued"]["p50"], b["queued"]["p95"]]) == [0, 500]
    assert b["delivery"]["p95"] == 2000
    assert b["run"]["p95"] == 300


def test_runs_before_the_window_are_left_out(tmp_path):
    trace = tmp_path / "t.trace"
    trace.write_text("1.0 arrive a\n1.0 start a\n1.1 end a\n1.2 sent a\n"
                     "5.0 arrive a\n5.0 start a\n5.4 end a\n5.5 sent a\n")
    b = breakdown(trace, since=4.0)
    assert b["runs"] == 1 and b["run"]["p50"] == 400


def test_the_event_loops_lateness_is_read_back(tmp_path):
    trace = tmp_path / "t.trace"
    trace.write_text("1.0 lag 0.0010\n1.1 lag 0.2500\n1.2 lag 0.0020\n")
    assert breakdown(trace)["event_loop_lag"] == {"p50": 2, "p95": 250, "max": 250}


def test_full_garbage_collections_are_counted(tmp_path):
    trace = tmp_path / "t.trace"
    trace.write_text("1.0 gc2 0.3000\n2.0 gc2 0.5000\n")
    assert breakdown(trace)["full_gc"] == {"n": 2, "total": 800, "max": 500}
