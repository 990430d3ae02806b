"""What docs/architecture.md "Heap measures kept" says each kept measure buys, as
tools/bench/heap_kept.py measures it on the 64-bit unix port (make bench adds the 32-bit and
Cortex-M figures)."""
import os
import sys

from tools.bench import heap_kept


def test_kept_measures_pay():
    f = dict(heap_kept.unix(os.path.join(os.path.dirname(sys.executable), "micropython")))
    assert f["line buffer, once"] >= 2148, f  # lines.MAXLINE, preallocated
    # framing copies into it: what a line allocates does not grow with its length
    per_line = f["line buffer, per line framed"]
    assert per_line == f["line buffer, per 1,000-byte line framed"] and per_line <= 64, f
    # the zero-copy request parser: less than a str of the line and urc.parse (which now
    # runs the same byte parser on the str's bytes: no field list any more)
    assert 0 < f["request URC from the line buffer (urc.live_request)"] < \
        f["request URC from a str of the line (urc.parse)"], f
    assert f["lazy import bc66.log"] > 0, f
