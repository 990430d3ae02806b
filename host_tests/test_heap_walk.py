"""The smallest-heap walk of make bench (tools/bench/heap.py), on a stand-in for the board:
it finds the smallest passing heap in 4 KB steps, bisecting between a heap known to fail and
one that passes, so few passing steps (the hours-long ones) are run."""
from tools.bench import heap as bench_heap

KB = 1024


def _walk(smallest_kb, in_use, monkeypatch):
    # a board where a heap passes from ``smallest_kb`` up and holds ``in_use`` bytes
    w = bench_heap.Walk(log=lambda s: None)
    tried = []

    def passes(measure, heap):
        tried.append(heap // KB)
        ok = heap >= smallest_kb * KB
        if ok:
            w.used[heap] = in_use
        w.steps.append((measure, heap // KB, ok, 0))
        return ok
    monkeypatch.setattr(w, "passes", passes)
    return w, tried


def test_from_a_passing_start_it_bisects_down_to_the_heap_in_use(monkeypatch):
    w, tried = _walk(48, 45_000, monkeypatch)
    assert w.smallest("short", 64 * KB) == 48 * KB
    # 64 passes; 45,000 B in use: 40 KB cannot work (not run); then 52 (pass), 44 (fail),
    # 48 (pass)
    assert tried == [64, 52, 44, 48]


def test_from_a_failing_start_it_walks_up_in_growing_steps_then_bisects(monkeypatch):
    w, tried = _walk(58, 50_000, monkeypatch)
    assert w.smallest("short", 40 * KB) == 60 * KB
    assert tried[:4] == [40, 44, 52, 68]  # up by 4, 8, 16 KB to a pass
    assert sorted(tried[4:]) == [56, 60]  # then bisected between 52 and 68
    assert all(k % 4 == 0 for k in tried)


def test_none_when_even_the_top_fails(monkeypatch):
    w, tried = _walk(200, 50_000, monkeypatch)
    assert w.smallest("short", 64 * KB) is None
    assert tried[-1] == bench_heap.TOP // KB


def test_long_walk_starts_at_the_short_figure(monkeypatch):
    w, tried = _walk(52, 47_000, monkeypatch)
    w.found["short"] = 52 * KB
    assert w.smallest("long", 52 * KB) == 52 * KB
    assert tried == [52]  # 48 failed the short walk: taken to fail


def test_a_session_that_logs_a_memory_error_fails():
    assert bench_heap._died(["I 1.0 app: stats heap=1", "E 2.0 node: task sensors died: "
                             "MemoryError('memory allocation failed')"])
    assert bench_heap._died(["Traceback", "MemoryError: memory allocation failed"])
    assert bench_heap._died(["I 1.0 app: stats heap=1"]) is None


def test_the_boards_heap_is_the_documented_smallest_heap():
    # make demo BOARD=qemu and the node's QEMU tests (test_mcu_demo, test_exits, ...) run
    # the node in tools.board.mcu.DEFAULT_HEAP: the figure `make bench ONLY=heap` measured
    import os
    import re
    from tools.board import mcu
    with open(os.path.join(mcu.ROOT, "docs", "benchmarks.md")) as f:
        doc = f.read()
    m = re.search(r"\| Cortex-M: smallest heap for the demo session \+ 1,000 mixed requests, "
                  r"5 runs of 5 \| (\d+) KB \|", doc)
    assert m, "no smallest-heap row in docs/benchmarks.md (make bench ONLY=heap)"
    assert int(m.group(1)) * KB == mcu.DEFAULT_HEAP


def test_without_a_figure_in_use_it_walks_down_to_a_failing_heap(monkeypatch):
    w, tried = _walk(56, 0, monkeypatch)  # no "stats heap=" line: nothing is assumed
    assert w.smallest("short", 64 * KB) == 56 * KB
    assert tried == [64, 60, 56, 52]
