"""What the objects for operating a deployed node cost in heap: settings (32769), health
(32770 + 32771) and software management (9), each imported and then declared on a Model.

    .venv/bin/python -m tools.bench.heap_objects

runs ``SCRIPT`` on the 64-bit and 32-bit unix ports (code from build/mpy, as on a board
that runs the project as .mpy) and on the Cortex-M3 in QEMU (code frozen, as the board
firmware is built); ``make bench`` adds the rows to docs/benchmarks.md. Each figure is
``gc.mem_alloc()`` after minus before, after ``gc.collect()``: what stays allocated.
"""
import tempfile

from tools.bench import heap_kept

SCRIPT = """
import gc
from lwm2m.objects import Model
from lwm2m import config, store
cfg = config.from_dict({"server": {"host": "h"}})
st = store.State("hk_state.json")
md = Model()
keep = []

def kept(fn):
    gc.collect()
    a = gc.mem_alloc()
    keep.append(fn())
    gc.collect()
    return gc.mem_alloc() - a

def declare_settings():
    from lwm2m.settings import Settings
    return Settings(md, cfg, st, ("temperature", "voltage"))

def declare_health():
    from lwm2m.health import Health
    return Health(md, "1.0.0", 1, lambda: {}, cause="power-on")

def declare_swupdate():
    from lwm2m.swupdate import SwUpdate
    return SwUpdate(md, "hk_pkg")

print("@ objects: import lwm2m.settings", kept(lambda: __import__("lwm2m.settings")))
print("@ objects: settings 32769 declared", kept(declare_settings))
print("@ objects: import lwm2m.health", kept(lambda: __import__("lwm2m.health")))
print("@ objects: health 32770 + counters 32771 declared", kept(declare_health))
print("@ objects: import lwm2m.swupdate", kept(lambda: __import__("lwm2m.swupdate")))
print("@ objects: software management 9 declared", kept(declare_swupdate))
"""


def unix(exe):
    """-> [(measure, bytes)] on the unix port ``exe``."""
    with tempfile.TemporaryDirectory() as d:  # the state and pkg folders go there
        return heap_kept.unix(exe, SCRIPT, d)


def measure():
    """-> {target: [(measure, bytes)]} for the targets that can run here."""
    with tempfile.TemporaryDirectory() as d:  # the state and pkg folders go there
        return heap_kept.measure(SCRIPT, d)


def rows():
    """Table rows (measure, value, targets) for docs/benchmarks.md, plus one row with the
    three objects' total (imports and declarations)."""
    got = measure()
    out = heap_kept.table(got)
    out.append(("heap kept: objects: the three, imported and declared",
                " / ".join("%d B" % sum(v for _, v in figs) for figs in got.values()),
                " / ".join(got)))
    return out


def main():
    for row in rows():
        print("| %s | %s | %s |" % row)


if __name__ == "__main__":
    main()
