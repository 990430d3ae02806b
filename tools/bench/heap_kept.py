"""The figures of docs/architecture.md "Heap measures kept (and why)", measured.

    .venv/bin/python -m tools.bench.heap_kept

runs one MicroPython script (``SCRIPT``) on the 64-bit unix port and the 32-bit unix port
(code imported from build/mpy, as tools/board/deploy.py puts it on a board) and on the Cortex-M3
in QEMU (code frozen), and prints one row per measure and target; ``make bench`` adds the
rows to its table. Every figure is ``gc.mem_alloc()`` after minus before, in bytes:
allocations with the GC off, retained sizes after ``gc.collect()``.
"""
import os
import subprocess
import sys

from tools.board import build_mpy, mcu, qemu

ROOT = build_mpy.ROOT

SCRIPT = """
import gc
import bc66.modem
import lwm2m.objects as ob
from bc66.lines import Lines
from bc66 import urc

def retained(make, n=1):
    keep = []
    gc.collect()
    a = gc.mem_alloc()
    for i in range(n):
        keep.append(make(i))
    gc.collect()
    return (gc.mem_alloc() - a) // n

def allocated(fn, n=10):
    fn()
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    for _ in range(n):
        fn()
    b = gc.mem_alloc()
    gc.enable()
    return (b - a) // n

def imported(name):
    gc.collect()
    a = gc.mem_alloc()
    __import__(name)
    gc.collect()
    return gc.mem_alloc() - a

print("@ lazy import bc66.log", imported("bc66.log"))
line = b'+QLWURC: "read",21593,3303,0,5700\\r\\n'
framer = Lines(lambda buf, k: None)
print("@ line buffer, once", retained(lambda i: Lines(lambda buf, k: None)))
print("@ line buffer, per line framed", allocated(lambda: framer.feed(line, len(line))))
long_line = b"+QLWURC: " + b"7" * 1000 + b"\\r\\n"
print("@ line buffer, per 1,000-byte line framed",
      allocated(lambda: framer.feed(long_line, len(long_line))))
buf = bytearray(line[:-2])
print("@ request URC from the line buffer (urc.live_request)",
      allocated(lambda: urc.live_request(buf, len(buf))))
print("@ request URC from a str of the line (urc.parse)",
      allocated(lambda: urc.parse(bytes(buf).decode())))
opts = ob.NotifyOptions(0, 0, True)
print("@ Watched record", retained(lambda i: ob.Watched(9, i, 1, 0, opts), 20))
print("@ same fields as a list", retained(lambda i: [9, i, 1, 0, 0, 0, 0, True], 20))
print("@ Observation record", retained(lambda i: ob.Observation(9, i, 1, 0), 20))
print("@ same fields as a list", retained(lambda i: [9, i, 1, 0], 20))
"""


def _figures(out):
    # "@ name value" lines -> [(name, int)] in order
    rows = []
    for ln in out.splitlines():
        if ln.startswith("@ "):
            name, _, value = ln[2:].rpartition(" ")
            rows.append((name, int(value)))
    if not rows:
        raise RuntimeError("no figures in:\n" + out)
    return rows


def unix(exe, script=SCRIPT, cwd=None, arch=build_mpy.HOST):
    """``script``'s figures on the unix port ``exe``, code from build/mpy (or the folder of
    the port's ``arch``: build/mpy-x86 for the 32-bit one): run in ROOT with relative paths
    (figures the same in any clone), or in ``cwd`` (files the script makes go there) with
    absolute ones."""
    mpy = build_mpy.out_dir(arch)
    build_mpy.build(mpy, arch=arch)
    if cwd is None:
        rel = os.path.relpath(mpy, ROOT)
        paths, cwd = [rel + "/lib", rel], ROOT
    else:
        paths = [os.path.join(mpy, "lib"), mpy]
    env = dict(os.environ, MICROPYPATH=":".join([".frozen"] + paths))
    r = subprocess.run([exe, "-X", "heapsize=4M", "-c", script], capture_output=True,
                       text=True, env=env, cwd=cwd, timeout=60)
    return _figures(r.stdout + r.stderr)


def measure(script=SCRIPT, cwd=None):
    """-> {target: [(measure, bytes)]} of ``script`` for the targets that can run here."""
    got = {"64-bit unix, .mpy": unix(os.path.join(os.path.dirname(sys.executable),
                                                  "micropython"), script, cwd)}
    if mcu.tools_missing() is None:
        got["32-bit unix, .mpy"] = unix(mcu.unix32(), script, cwd, build_mpy.ARCH["unix32"])
        got["Cortex-M3, frozen"] = _figures(qemu.run_script(script, icount=False))
    return got


def table(got):
    """{target: [(measure, bytes)]} -> rows (measure, value per target, targets)."""
    names = [n for n, _ in next(iter(got.values()))]
    return [("heap kept: " + name, " / ".join("%d B" % figs[i][1] for figs in got.values()),
             " / ".join(got)) for i, name in enumerate(names)]


def rows():
    """Table rows (measure, value, note) for docs/benchmarks.md."""
    return table(measure())


def main():
    for row in rows():
        print("| %s | %s | %s |" % row)


if __name__ == "__main__":
    main()
