"""Compile every module under lib/ and firmware/ (and boards/) with mpy-cross.

``python -m tools.board.build_mpy --check`` compiles into build/mpy and fails on the first
error; ``--out DIR`` chooses the output folder. The tests import build/mpy;
``python -m tools.board.deploy`` (tools/board/deploy.py) stages it for a board and copies it there.
"""
import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCES = ("lib", "firmware", "boards")
TEST_SOURCES = SOURCES + ("host_tests/mp",)


def mpy_cross():
    here = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    return here if os.path.exists(here) else "mpy-cross"


# Flags given to every compile (``{rel}``: the path inside the repository).
# -s: embed the path relative to the repository, not the clone's folder: the loaded
# name is a qstr on the MicroPython heap, so an absolute one makes heap use depend
# on where the repository was cloned.
FLAGS = ("-s", "{rel}")
STAMP = ".build_stamp"  # in the output folder: mpy-cross version and FLAGS of its .mpy files


def stamp():
    """What the .mpy files depend on besides their source: mpy-cross's version and FLAGS."""
    r = subprocess.run([mpy_cross(), "--version"], capture_output=True, text=True)
    return "%s\n%s\n" % ((r.stdout or r.stderr).strip(), " ".join(FLAGS))


def modules(tops=SOURCES):
    """Yield (source path, output path relative to the build folder) for every .py."""
    for top in tops:
        base = os.path.join(ROOT, top)
        for d, _, files in os.walk(base):
            for f in sorted(files):
                if f.endswith(".py"):
                    p = os.path.join(d, f)
                    yield p, os.path.join(top, os.path.relpath(p, base))


def build(out, tops=SOURCES):
    """Compile ``tops`` into ``out`` (only what changed); returns the total .mpy size."""
    total = 0
    want = stamp()
    stamp_path = os.path.join(out, STAMP)
    try:
        with open(stamp_path) as f:
            fresh = f.read() == want  # else every module is compiled again
    except OSError:
        fresh = False
    if not fresh and os.path.exists(stamp_path):
        os.remove(stamp_path)  # an interrupted rebuild must not look complete
    for src, rel in modules(tops):
        dst = os.path.join(out, rel[:-3] + ".mpy")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if fresh and os.path.exists(dst) and os.path.getmtime(dst) >= os.path.getmtime(src):
            total += os.path.getsize(dst)
            continue
        flags = [x.replace("{rel}", rel) for x in FLAGS]
        r = subprocess.run([mpy_cross(), "-o", dst] + flags + [src], capture_output=True,
                           text=True)
        if r.returncode:
            sys.stderr.write(r.stderr or r.stdout)
            raise SystemExit("mpy-cross failed on %s" % rel)
        total += os.path.getsize(dst)
    if not fresh:
        os.makedirs(out, exist_ok=True)
        with open(stamp_path, "w") as f:
            f.write(want)
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="compile only, report sizes")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "mpy"))
    a = ap.parse_args()
    n = sum(1 for _ in modules())
    total = build(a.out)
    print("mpy-cross: %d modules compiled, %d bytes of .mpy" % (n, total))


if __name__ == "__main__":
    main()
