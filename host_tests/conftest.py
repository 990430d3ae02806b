"""Shared pytest setup.

MicroPython-side tests live in host_tests/mp/mpt_*.py. They run on the unix port with a
HEAP-sized heap; each test_* function in them becomes one pytest item here.
"""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
MP_DIR = os.path.join(ROOT, "host_tests", "mp")
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")
# The largest need of a test module is mpt_memory.py's, which imports every layer at once
# (about 125 KB on the 64-bit unix port, code loaded from .mpy); the others need at most
# 49 KB (`python -m tools.bench.mp_heap_need`: smallest -X heapsize in which all of a module's
# tests pass, the same in any clone). What the code itself costs is asserted as figures in
# mpt_memory.py, not by a tight heap.
HEAP = "192K"
MP_TIMEOUT = 240


MPY_DIR = os.path.join(ROOT, "build", "mpy")


def build_mpy():
    """Compile lib/, firmware/, boards/ and host_tests/mp/ with mpy-cross into build/mpy.

    Tests import the .mpy files, as a board does (mprunner.py too: see its header).
    """
    from tools.board import build_mpy as b
    b.build(MPY_DIR, b.TEST_SOURCES)
    vendor_drivers()


# micropython-lib's drivers the sensor tests run (the real ones, from ../shared/vendor):
# copied into build/mpy/vendor, on the MicroPython tests' path; absent: those tests skip
# (fail with BC66_REQUIRE_VENDOR=1) through host_tests/mp/vendored.py
DRIVERS = ("bus/onewire/onewire.py", "sensor/ds18x20/ds18x20.py", "sensor/dht/dht.py")
DRIVER_DIR = os.path.join(MPY_DIR, "vendor")


def vendor_drivers():
    """Unpack micropython-lib's drivers once; copy DRIVERS to DRIVER_DIR -> their paths,
    or [] where the vendored tarball is absent."""
    import shutil
    from tools.board import vendor
    if vendor.tarball("micropython-lib") is None:  # not even an earlier unpacked copy
        if os.path.isdir(DRIVER_DIR):
            shutil.rmtree(DRIVER_DIR)
        return []
    root = vendor.unpack("micropython-lib", os.path.join(vendor.BUILD, "micropython-lib"))
    os.makedirs(DRIVER_DIR, exist_ok=True)
    out = []
    for rel in DRIVERS:
        src = os.path.join(root, "micropython-lib", "micropython", "drivers", rel)
        dst = os.path.join(DRIVER_DIR, os.path.basename(rel))
        shutil.copyfile(src, dst)
        out.append(dst)
    return out


def build_mpy_32():
    """build_mpy for the 32-bit unix port: the same sources, its native code (x86), into
    build/mpy-x86 -> that folder relative to ROOT (mp_env's ``mpy``)."""
    from tools.board import build_mpy as b
    arch = b.ARCH["unix32"]
    out = b.out_dir(arch)
    b.build(out, b.TEST_SOURCES, arch=arch)
    return os.path.relpath(out, ROOT)


def mp_env(extra_path=(), mpy="build/mpy"):
    """Environment for a MicroPython process run in ROOT: compiled lib/, firmware/, boards/,
    test helpers (from ``mpy``: build/mpy, or build_mpy_32()'s folder for the 32-bit port).

    The search path is relative to ROOT (run_mp's cwd): sys.path and every module name live
    on the MicroPython heap, so absolute paths would make heap use depend on the clone's folder.
    """
    env = dict(os.environ)
    paths = [".frozen"] + [mpy + "/" + d for d in ("lib", "firmware", "host_tests/mp")]
    paths += [mpy, "build/mpy/vendor", "examples"] + list(extra_path)
    env["MICROPYPATH"] = ":".join(paths)
    return env


def run_mp(args, timeout=MP_TIMEOUT, heap=HEAP, exe=MICROPYTHON, **kw):
    """Run the MicroPython unix port (``exe``) with a small heap; returns CompletedProcess."""
    cmd = [exe, "-X", "heapsize=" + heap] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env=kw.pop("env", mp_env()), cwd=kw.pop("cwd", ROOT), **kw)


def pytest_sessionstart(session):
    build_mpy()


_TEST_RE = re.compile(r"^(?:async\s+)?def\s+(test_\w+)\s*\(", re.M)


def pytest_collect_file(parent, file_path):
    if file_path.suffix == ".py" and file_path.parent == __import__("pathlib").Path(MP_DIR) \
            and file_path.name.startswith("mpt_"):
        return MPFile.from_parent(parent, path=file_path)
    return None


def pytest_pycollect_makemodule(module_path, parent):
    # an mpt_*.py named on the command line is MicroPython code: not a CPython module
    if str(module_path.parent) == MP_DIR:
        return _NoPython.from_parent(parent, path=module_path)
    return None


class _NoPython(pytest.File):
    def collect(self):
        return []


class MPFile(pytest.File):
    """A MicroPython test module: run once on the unix port, one item per test_* function."""

    def collect(self):
        self._results = None
        for name in sorted(set(_TEST_RE.findall(self.path.read_text()))):
            yield MPItem.from_parent(self, name=name)

    def results(self):
        if self._results is None:
            mod = self.path.stem
            try:
                p = run_mp(["-m", "mprunner", mod])
                out, err = p.stdout, p.stderr
            except subprocess.TimeoutExpired as e:
                out, err = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), "TIMEOUT"
            self._results = (parse_results(out), out, err)
        return self._results


def parse_results(out):
    """mprunner's output -> {test name: [PASS|FAIL, message, traceback lines]}."""
    res = {}
    cur = None
    for line in out.splitlines():
        if line.startswith("@@ "):
            parts = line.split(" ", 3)
            cur = parts[1]
            res[cur] = [parts[2], parts[3] if len(parts) > 3 else "", []]
        elif cur is not None and res[cur][0] == "FAIL":
            res[cur][2].append(line)
    return res


def mp_cases():
    """[(module, test name)] of every MicroPython test under host_tests/mp/."""
    cases = []
    for f in sorted(os.listdir(MP_DIR)):
        if f.startswith("mpt_") and f.endswith(".py"):
            with open(os.path.join(MP_DIR, f)) as fh:
                names = sorted(set(_TEST_RE.findall(fh.read())))
            cases.extend((f[:-3], n) for n in names)
    return cases


class MPItem(pytest.Item):
    def runtest(self):
        res, out, err = self.parent.results()
        r = res.get(self.name)
        if r is None:
            raise MPFailure("%s did not run on MicroPython\n--- stdout tail\n%s\n--- stderr\n%s"
                            % (self.name, out[-3000:], err[-3000:]))
        if r[0] == "SKIP":  # a vendored source absent: skip, or fail in CI
            from tools.board import vendor
            vendor.missing(r[1])
        if r[0] != "PASS":
            raise MPFailure("%s\n%s" % (r[1], "\n".join(r[2])))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, MPFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, "mp:%s" % self.name


class MPFailure(Exception):
    pass
from sim_fixtures import sim, sim_factory  # noqa: E402,F401
from node_fixtures import duty, node, node_factory, reading  # noqa: E402,F401

# The node's end-to-end suite runs under every reading of the note at its strict and at its
# lenient value (tools/bc66sim/readings.py); other node tests run strict only.
E2E = ("test_demo", "test_node_lifecycle", "test_node_note_cases", "test_node_readings")


def pytest_generate_tests(metafunc):
    if metafunc.module.__name__ in E2E and "reading" in metafunc.fixturenames:
        metafunc.parametrize("reading", ["strict", "lenient"], indirect=True)
from coap_fixtures import coap_node, udp_proxy, waka_factory  # noqa: E402,F401
