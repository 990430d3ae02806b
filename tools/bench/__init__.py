"""The benchmarks of ``make bench``: ``python -m tools.bench`` (report.py) runs the sections
and writes docs/benchmarks.md; each section also runs alone as ``python -m tools.bench.NAME``.

The modules here run on CPython, on the PC: they build and start the node (unix port or the
QEMU Cortex-M3 board), drive the simulator and turn what the node prints into rows. What
runs on MicroPython, on the node's side, is in ``tools/bench/mp/``: scripts that are never
imported by CPython, only read by ``mp_script`` and sent to a board (or run by the unix
port's ``micropython``).
"""
import os

MP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mp")


def mp_path(name):
    """The path of the MicroPython-side script ``name`` (e.g. "roundtrip.py")."""
    return os.path.join(MP_DIR, name)


def mp_script(*names):
    """The text of the MicroPython-side scripts ``names``, in that order, one after another."""
    parts = []
    for name in names:
        with open(mp_path(name)) as f:
            parts.append(f.read())
    return "\n".join(parts)


def mixed_requests(sim, timeout=10):
    """The server requests the benches mix, one call each, in this order (the node's 3303):
    read 3303/0/5700, read the instance 3303/0/-1, write 3303/0/5750, execute 3303/0/5605;
    each returns the simulator server's answer."""
    s = sim.server
    return [lambda: s.read("3303/0/5700", timeout=timeout),
            lambda: s.read("3303/0/-1", timeout=timeout),
            lambda: s.write("3303/0/5750", 1, "bench", timeout=timeout),
            lambda: s.execute("3303/0/5605", timeout=timeout)]
