"""make bench section by section (tools/bench/report.py --only): a section measured alone
replaces its own rows in docs/benchmarks.md and keeps the others' as they were, with
the date each was measured; a doc from before the sections were marked is sorted into
sections by its rows' names."""
import pytest

from tools.bench import report as bench

OLD = """# Benchmarks

Written by `make bench` (tools/bench/report.py) on 2026-11-28, x86_64, Python 3.11.7.

| measure | value | target |
|---|---|---|
| code: lib/bc66 .mpy | 22701 B |  |
| Cortex-M: smallest heap for the demo session + 1,000 mixed requests | 44 KB | 4 KB steps |
| Cortex-M instructions per round trip: read one resource, its bytes in one chunk | 296000 | <= 110000 |
| heap kept: lazy import bc66.log | 832 B | 64-bit unix |

## How it was measured

Method ...
"""


def _only(doc, monkeypatch, section, rows, text="method of %s\n"):
    monkeypatch.setitem(bench._RUN, section, lambda: (rows, text % section))
    bench.main(["--only", section, "--doc", str(doc)])
    return doc.read_text()


def test_one_section_replaces_its_rows_and_keeps_the_others(tmp_path, monkeypatch):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(OLD)
    out = _only(doc, monkeypatch, "cycle", [("report cycle: AT commands per wake", "8.0", "aim <= 8")])
    secs = bench.read_sections(str(doc))
    assert secs["cycle"]["rows"] == ["| report cycle: AT commands per wake | 8.0 | aim <= 8 |"]
    assert secs["unix"]["rows"] == ["| code: lib/bc66 .mpy | 22701 B |  |"]
    assert secs["heap"]["rows"][0].startswith("| Cortex-M: smallest heap")
    assert secs["request_path"]["rows"][0].startswith("| Cortex-M instructions per round trip")
    assert secs["heap_kept"]["rows"] == ["| heap kept: lazy import bc66.log | 832 B | 64-bit unix |"]
    assert secs["unix"]["stamp"].startswith("2026-11-28") and secs["cycle"]["stamp"] != "never"
    assert "method of cycle" in secs["cycle"]["text"]
    # measured again: its rows replaced, nothing else changes, nothing doubles
    _only(doc, monkeypatch, "cycle", [("report cycle: AT commands per wake", "7.0", "aim <= 8")])
    again = doc.read_text()
    assert again.count("report cycle: AT commands per wake") == 1 and "| 7.0 |" in again
    assert again.count("Measured by hand") == 1 and again.count("method of cycle") == 1
    assert again.replace("| 7.0 |", "| 8.0 |") == out
    # another section alone keeps the cycle's rows
    _only(doc, monkeypatch, "heap_kept", [("heap kept: lazy import bc66.log", "800 B", "")])
    secs = bench.read_sections(str(doc))
    assert secs["cycle"]["rows"] == ["| report cycle: AT commands per wake | 7.0 | aim <= 8 |"]
    assert secs["heap_kept"]["rows"] == ["| heap kept: lazy import bc66.log | 800 B |  |"]


def test_unknown_section_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        bench.main(["--only", "cycles", "--doc", str(tmp_path / "b.md")])
