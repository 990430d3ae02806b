"""tools/bench/heap_objects.py (a section of make bench) measures the objects for operating a
deployed node on the 64-bit unix port; their declarations stay small (the Cortex-M3
figures, frozen, are in docs/benchmarks.md: about 7 KB for the three with their imports)."""
import os
import sys

from tools.bench import heap_objects


def test_the_three_objects_are_measured_and_lean():
    f = dict(heap_objects.unix(os.path.join(os.path.dirname(sys.executable), "micropython")))
    assert len(f) == 6 and all(v > 0 for v in f.values()), f
    # declared (tables, values, handlers): a few KB each on the 64-bit port, half on 32-bit
    assert f["objects: settings 32769 declared"] <= 4096, f
    assert f["objects: health 32770 + counters 32771 declared"] <= 4096, f
    assert f["objects: software management 9 declared"] <= 4096, f
