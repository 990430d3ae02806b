"""Build MicroPython from the vendored tarball: mpy-cross, the QEMU Cortex-M3 firmware with
the project frozen, and a 32-bit unix port. Everything goes under ``build/vendor/``.

    python -m tools.board.mcu                 # build all three (cached), print their paths
    python -m tools.board.mcu --heap 64K      # the QEMU firmware with a 64 KB heap

Each build is cached: it runs only when its inputs changed (the tarball, the frozen sources,
tools/board/qemu_port/, the options), judged by a hash stored beside the output. Needs the Debian
packages of ``tools/ci_deps.sh`` (gcc-arm-none-eabi, libnewlib-arm-none-eabi, gcc-multilib).
"""
import hashlib
import os
import shutil
import subprocess
import sys

from tools.board import vendor

ROOT = vendor.ROOT
PORT_DIR = os.path.join(ROOT, "tools", "board", "qemu_port")
SRC = os.path.join(vendor.BUILD, "micropython")
MPY_DIR = os.path.join(SRC, "micropython")
OUT = os.path.join(vendor.BUILD, "mcu")
BOARD = "MPS2_AN385"
# the node's heap on this board: the smallest in which it passes the demo session and 5 runs
# of 1,000 requests (docs/benchmarks.md, `make bench ONLY=heap`; test_heap_walk checks that
# the two agree): make demo BOARD=qemu, tools.board.qemu and the node's QEMU tests run in it
DEFAULT_HEAP = 64 * 1024
FROZEN_DIRS = ("lib/bc66", "lib/lwm2m", "boards", "firmware", "tools/board/qemu_port")
TEST_DIR = "host_tests/mp"


class BuildError(Exception):
    """A tool or source is missing, or a build step failed (message says which)."""


def tools_missing():
    """-> a sentence naming what is missing to build and run the firmware, or None."""
    if vendor.tarball("micropython") is None:
        return "no micropython*.tar.gz in %s" % vendor.VENDOR
    for exe in ("arm-none-eabi-gcc", "qemu-system-arm", "make", "gcc"):
        if shutil.which(exe) is None:
            return "%s not installed (tools/ci_deps.sh installs it)" % exe
    return None


def require_tools(name):
    """Exits naming ``name`` (the command) if a tool to build or run the board is missing."""
    why = tools_missing()
    if why:
        raise SystemExit("%s: %s" % (name, why))


def bench_parser(doc):
    """The command line of a bench run on the board, described by the first paragraph of
    ``doc``: ``--elf FIRMWARE`` (default: this tree's); add a bench's own options to it."""
    import argparse
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--elf", help="a firmware built by tools/board/mcu.py (default: this tree's)")
    return ap


def board_bench_elf(argv, doc, name):
    """The command line of a bench with no options of its own -> its ``--elf`` firmware, or
    None for this tree's; exits naming ``name`` if the tools to build and run it are missing."""
    a = bench_parser(doc).parse_args(argv)
    require_tools(name)
    return a.elf


def parse_size(s):
    """'64K' / '65536' -> bytes."""
    s = str(s).strip().upper()
    return int(s[:-1]) * 1024 if s.endswith("K") else int(s)


def source():
    """Unpack the vendored MicroPython once -> its top directory."""
    vendor.unpack("micropython", SRC)
    lib = os.path.join(MPY_DIR, "lib", "micropython-lib")
    if not os.path.exists(os.path.join(lib, "README.md")):  # the build checks the submodule
        os.makedirs(lib, exist_ok=True)
        open(os.path.join(lib, "README.md"), "w").close()
    return MPY_DIR


def _hash(*parts, dirs=()):
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode())
    for d in dirs:
        base = os.path.join(ROOT, d)
        for top, subdirs, files in os.walk(base):
            subdirs.sort()
            for f in sorted(files):
                if f.endswith((".py", ".h", ".c", ".mk")):
                    p = os.path.join(top, f)
                    h.update(os.path.relpath(p, ROOT).encode())
                    with open(p, "rb") as fh:
                        h.update(fh.read())
    return h.hexdigest()[:16]


def _make(args, log):
    jobs = "-j%d" % min(2, os.cpu_count() or 1)
    with open(log, "w") as f:
        r = subprocess.run(["make", jobs] + args, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode:
        with open(log) as f:
            tail = f.read()[-3000:]
        raise BuildError("make %s failed (log %s):\n%s" % (" ".join(args[:3]), log, tail))


def _cached(out, key, build):
    # run build() unless ``out`` exists and was built from ``key``
    stamp = out + ".key"
    if os.path.exists(out) and os.path.exists(stamp) and open(stamp).read() == key:
        return out
    build()
    with open(stamp, "w") as f:
        f.write(key)
    return out


def mpy_cross():
    """Build mpy-cross from the tarball -> its path."""
    top = source()
    exe = os.path.join(top, "mpy-cross", "build", "mpy-cross")
    os.makedirs(OUT, exist_ok=True)
    key = _hash("mpy-cross", vendor.tarball("micropython"))
    return _cached(exe, key, lambda: _make(["-C", os.path.join(top, "mpy-cross")],
                                           os.path.join(OUT, "mpy-cross.log")))


MANIFESTS = {"node": "manifest.py", "test": "manifest_test.py", "base": "manifest_base.py"}


def firmware(heap=DEFAULT_HEAP, tests=False, variant=None):
    """Build the QEMU MPS2-AN385 firmware with the project frozen -> path of the .elf.

    ``heap`` is the MicroPython heap in bytes (the port's static array); ``tests`` also
    freezes host_tests/mp (the MicroPython tests and their helpers); ``variant="base"`` is
    the firmware without the project (for its flash size). One build tree per variant; a
    heap change recompiles only main.c.
    """
    top = source()
    mpy_cross()
    variant = variant or ("test" if tests else "node")
    build = os.path.join(OUT, "qemu-" + variant)
    elf = os.path.join(OUT, "firmware-%s-%dK.elf" % (variant, heap // 1024))
    dirs = FROZEN_DIRS + ((TEST_DIR,) if variant == "test" else ())
    tree = _hash("qemu", BOARD, variant, vendor.tarball("micropython"), dirs=dirs)
    key = "%s heap %d" % (tree, heap)

    def run():
        # a new configuration starts from a clean tree (make does not track the qstrs a
        # config header enables); a new heap recompiles main.c only
        stamp = os.path.join(build, ".tree")
        if not os.path.exists(stamp) or open(stamp).read() != tree:
            shutil.rmtree(build, ignore_errors=True)
        main_o = os.path.join(build, "main.o")
        if os.path.exists(main_o):
            os.remove(main_o)  # MICROPY_HEAP_SIZE is compiled into main.c only
        manifest = os.path.join(PORT_DIR, MANIFESTS[variant])
        _make(["-C", os.path.join(top, "ports", "qemu"), "BOARD=" + BOARD, "BUILD=" + build,
               "FROZEN_MANIFEST=" + manifest,
               "USER_C_MODULES=" + os.path.join(PORT_DIR, "cmod"),
               "CFLAGS_EXTRA=-DMP_CONFIGFILE=\"<%s>\"" % os.path.join(PORT_DIR,
                                                                      "mpconfig_bc66.h"),
               "MICROPY_VFS_LFS2=1", "MICROPY_HEAP_SIZE=%d" % heap],
              os.path.join(OUT, "qemu-%s.log" % variant))
        shutil.copyfile(os.path.join(build, "firmware.elf"), elf)
        with open(stamp, "w") as f:
            f.write(tree)
    return _cached(elf, key, run)


def unix32():
    """Build the 32-bit unix port (asyncio frozen, as the 64-bit one has it) -> its path."""
    top = source()
    mpy_cross()
    build = os.path.join(OUT, "unix-32")
    exe = os.path.join(build, "micropython")
    key = _hash("unix32", vendor.tarball("micropython"), dirs=("tools/board/qemu_port",))
    manifest = os.path.join(PORT_DIR, "manifest_unix.py")

    def run():
        _make(["-C", os.path.join(top, "ports", "unix"), "BUILD=" + build,
               "MICROPY_PY_FFI=0", "MICROPY_PY_BTREE=0", "MICROPY_PY_SSL=0",
               "CFLAGS_EXTRA=-m32", "LDFLAGS_EXTRA=-m32", "FROZEN_MANIFEST=" + manifest],
              os.path.join(OUT, "unix-32.log"))
    return _cached(exe, key, run)


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--heap", default="%dK" % (DEFAULT_HEAP // 1024))
    ap.add_argument("--tests", action="store_true", help="also freeze host_tests/mp")
    a = ap.parse_args()
    why = tools_missing()
    if why:
        raise SystemExit("mcu: " + why)
    try:
        print("mpy-cross  ", mpy_cross())
        print("firmware   ", firmware(parse_size(a.heap), tests=a.tests))
        print("unix 32-bit", unix32())
    except BuildError as e:
        sys.exit("mcu: %s" % e)


if __name__ == "__main__":
    main()
