"""Every MicroPython test under host_tests/mp/ on the Cortex-M3 board in QEMU, with the
project and the tests frozen into the firmware (tools/board/mcu.py, tests=True), at the smallest
heap they pass in (QEMU_HEAP); and on the 32-bit unix port built from the same tarball,
loading the project as .mpy like the 64-bit run, from build/mpy-x86 (its native code).

One QEMU boot for the whole file: each test module runs after a soft reset (a fresh heap)
through the raw REPL, with the same runner (mprunner.py) and report lines as on unix.
"""
import os

import pytest

from conftest import ROOT, build_mpy_32, mp_cases, mp_env, parse_results, run_mp
from mcu_fixtures import need_mcu

QEMU_HEAP = 48 * 1024     # 40 KB (the smallest once) failed by fragmentation luck in 3 modules
# (mpt_bad_strings, mpt_bc66_requests, mpt_sensor_drivers: MemoryError of 0.2-1.2 KB with
# 5-7 KB free, 2026-12-07); the node itself needs 64 KB (docs/benchmarks.md)
UNIX32_HEAP = "128K"      # 32-bit code needs about 60 % of the 64-bit run (conftest.HEAP)
CASES = mp_cases()
# files the tests read from the repository (run in it on unix): copied to the board's
# filesystem at the same relative paths (its current folder is /)
DATA = ("host_tests/mp/mpt_config.py", "firmware/config.example.json")
# tests that only hold on the unix port: the unix runner's own set-up, and other MCUs'
# board descriptions (fakemachine.py) that this board refuses, by design, as not its own
_OTHER_MCU = "starts another MCU's board description: on a board os.uname() is real and " \
             "boards.make refuses it (board ...: machine: this description is for ...)"
UNIX_ONLY = {
    ("mpt_selfcheck", "test_paths_are_relative"): "checks the unix runner's build/mpy path",
    ("mpt_selfcheck", "test_errors_name_the_source"): "checks .mpy names from build/mpy "
                                                      "(frozen code is named bc66/..., lwm2m/...)",
    ("mpt_boards", "test_esp32_variants_defect4"): _OTHER_MCU,
    ("mpt_boards", "test_nucleo_repl_uart_defect1"): _OTHER_MCU,
    ("mpt_boards", "test_pyboard_mma_int_defect2"): _OTHER_MCU,
    ("mpt_boards_sleep", "test_a_year_of_sleep_in_hardware_sleeps_defect3"):
        "a year of update age summed in single-precision floats (this port's, and most "
        "MCUs') drifts past the test's 2 s tolerance",
}


class _Runs:
    # one result dict per module, run on first use
    def __init__(self, run):
        self.run = run
        self.done = {}

    def check(self, mod, name):
        if mod not in self.done:
            self.done[mod] = self.run(mod)
        res, out = self.done[mod]
        r = res.get(name)
        if r is None:
            pytest.fail("%s did not run\n--- output tail\n%s" % (name, out[-3000:]),
                        pytrace=False)
        if r[0] == "SKIP":  # a vendored source absent: skip, or fail in CI
            from tools.board import vendor
            vendor.missing(r[1])
        if r[0] != "PASS":
            pytest.fail("%s\n%s" % (r[1], "\n".join(r[2])), pytrace=False)


@pytest.fixture(scope="module")
def qemu_runs():
    need_mcu()
    from tools.board import qemu
    board = qemu.Board(heap=QEMU_HEAP, tests=True)
    for rel in DATA:
        with open(os.path.join(ROOT, rel), "rb") as f:
            board.put("/" + rel, f.read())
    # micropython-lib's drivers and the README's sensor example, imported from /lib
    from conftest import vendor_drivers
    for path in vendor_drivers() + [os.path.join(ROOT, "examples", "ds18x20_sensor.py")]:
        with open(path, "rb") as f:
            board.put("/lib/" + os.path.basename(path), f.read())

    def run(mod):
        try:
            out = board.run(qemu.mp_test_script(mod), timeout=120)
        except qemu.BoardError as e:
            out = str(e)
        return parse_results(out), out
    yield _Runs(run)
    board.stop()


@pytest.fixture(scope="module")
def unix32_runs():
    need_mcu()
    from tools.board import mcu
    exe = mcu.unix32()
    env = mp_env(mpy=build_mpy_32())  # the x86 native code of lines.py, urc.py

    def run(mod):
        p = run_mp(["-m", "mprunner", mod], heap=UNIX32_HEAP, exe=exe, env=env)
        return parse_results(p.stdout), p.stdout + p.stderr
    return _Runs(run)


@pytest.mark.parametrize("mod,name", CASES, ids=["%s::%s" % c for c in CASES])
def test_mp_on_qemu_cortex_m3(qemu_runs, mod, name):
    if (mod, name) in UNIX_ONLY:
        pytest.skip(UNIX_ONLY[mod, name])
    qemu_runs.check(mod, name)


@pytest.mark.parametrize("mod,name", CASES, ids=["%s::%s" % c for c in CASES])
def test_mp_on_unix_32bit(unix32_runs, mod, name):
    unix32_runs.check(mod, name)


_FALLBACK = """
try:
    import bc66.native
    print("LOADED")
except ValueError as e:
    print("REFUSED", e)
from bc66 import lines, urc, values, plain
print("PLAIN", lines.Lines.feed is plain.frame, urc.ints is plain.ints,
      values.unsafe is plain.unsafe)
out = []
lines.Lines(lambda b, n: out.append(bytes(b[:n]))).feed(b"OK\\r\\n+X: 1\\r\\n", 11)
print("LINES", out)
print("URC", urc.live_request(bytearray(b'+QLWURC: "read",1,3303,0,5700'), 29).res)
print("STR", values.str_bytes("ab"), values.sendable(1, 'a"'))
"""


def test_a_port_that_cannot_load_the_native_code_runs_the_plain_twins():
    # the 32-bit port given the 64-bit port's .mpy (x64 machine code in bc66/native.mpy):
    # as on a port with no native emitter (the unix port on arm64), bc66.native does not
    # load and lines, urc and values run bc66.plain's functions, with the same results
    need_mcu()
    from tools.board import mcu
    p = run_mp(["-c", _FALLBACK], heap=UNIX32_HEAP, exe=mcu.unix32(), env=mp_env())
    out = p.stdout + p.stderr
    assert "REFUSED incompatible .mpy arch" in out, out
    assert "PLAIN True True True" in out, out
    assert "LINES [b'OK', b'+X: 1']" in out and "URC 5700" in out, out
    assert "STR 2 False" in out, out
