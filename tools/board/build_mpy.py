"""Compile every module under lib/ and firmware/ (and boards/) with mpy-cross.

``python -m tools.board.build_mpy --check`` compiles into build/mpy and fails on the first
error; ``--out DIR`` chooses the output folder, ``--arch`` the native code's (ARCH). The
tests import build/mpy (the 32-bit unix port build/mpy-x86); ``python -m
tools.board.deploy`` (tools/board/deploy.py) stages a board's build and copies it there.

The driver's per-byte loops (lib/bc66/native.py) are ``@micropython.viper``: mpy-cross
emits their machine code for one architecture, named by ``-march`` (a .mpy holding it loads
only on a port of that architecture, elsewhere lib/bc66/plain.py's twins run; a .mpy of
bytecode only loads anywhere). Frozen firmware
gets it from the port's own build (MPY_CROSS_FLAGS: armv7m for the QEMU Cortex-M3,
xtensawin for the esp32 port's ESP32, rv32imc for its ESP32-C3, armv7emsp for the
STM32F4/L4 boards).
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


# Flags given to every compile (``{rel}``: the path inside the repository, ``{arch}``:
# the -march of the native code).
# -s: embed the path relative to the repository, not the clone's folder: the loaded
# name is a qstr on the MicroPython heap, so an absolute one makes heap use depend
# on where the repository was cloned.
FLAGS = ("-s", "{rel}", "-march={arch}")
STAMP = ".build_stamp"  # in the output folder: mpy-cross version and FLAGS of its .mpy files
# mpy-cross -march of each target we build .mpy files for (every MicroPython port with a
# native emitter has one; a port without, e.g. unix on arm64, cannot load this code)
HOST = "x64"    # the 64-bit unix port: tests, the pretend board, the node processes
ARCH = {"unix": HOST, "unix32": "x86", "qemu": "armv7m", "esp32": "xtensawin",
        "esp32c3": "rv32imc",
        "stm32": "armv7emsp"}  # our STM32 boards are Cortex-M4F (F405, L476); an F0/L0
# board would need armv6m, an F7/H7 armv7emdp


def board_arch(desc):
    """The -march of a board description (its ``port``; the ESP32-C3 is RISC-V)."""
    port = desc["port"]
    if port == "esp32" and "C3" in desc.get("machine", ""):
        return ARCH["esp32c3"]
    return ARCH[port]


def out_dir(arch=HOST):
    """The build folder of ``arch``'s .mpy files: build/mpy for the host, else
    build/mpy-<arch>."""
    return os.path.join(ROOT, "build", "mpy" if arch == HOST else "mpy-" + arch)


def stamp(arch=HOST):
    """What the .mpy files depend on besides their source: mpy-cross's version and FLAGS."""
    r = subprocess.run([mpy_cross(), "--version"], capture_output=True, text=True)
    return "%s\n%s\n" % ((r.stdout or r.stderr).strip(),
                         " ".join(FLAGS).replace("{arch}", arch))


def modules(tops=SOURCES):
    """Yield (source path, output path relative to the build folder) for every .py."""
    for top in tops:
        base = os.path.join(ROOT, top)
        for d, _, files in os.walk(base):
            for f in sorted(files):
                if f.endswith(".py"):
                    p = os.path.join(d, f)
                    yield p, os.path.join(top, os.path.relpath(p, base))


def build(out, tops=SOURCES, arch=HOST):
    """Compile ``tops`` into ``out`` (only what changed), native code for ``arch`` (an
    mpy-cross -march); returns the total .mpy size."""
    total = 0
    want = stamp(arch)
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
        flags = [x.replace("{rel}", rel).replace("{arch}", arch) for x in FLAGS]
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
    ap.add_argument("--arch", default=HOST, help="mpy-cross -march (default %(default)s)")
    ap.add_argument("--out", help="default: build/mpy (host), else build/mpy-ARCH")
    a = ap.parse_args()
    n = sum(1 for _ in modules())
    total = build(a.out or out_dir(a.arch), arch=a.arch)
    print("mpy-cross: %d modules compiled, %d bytes of .mpy" % (n, total))


if __name__ == "__main__":
    main()
