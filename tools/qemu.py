"""The node on a Cortex-M3 in QEMU (MPS2-AN385), with the project frozen into its firmware.

    .venv/bin/python -m tools.qemu --uart /dev/pts/N --config config.json [--log debug]

starts the board with UART1 on ``--uart`` (the simulator's pty, or a real BC66 behind a
USB-UART adapter), copies the config to the board's ``/config.json``, runs
``firmware/main.py`` there through the raw REPL, copies the firmware's output to stdout,
passes SIGINT and SIGTERM on as Ctrl-C (orderly shutdown) and exits with its exit code.
``--pins FILE`` is the simulator's pins file (the board's pin stand-ins write to it).
``--repl`` starts the board and prints its REPL pty for ``mpremote connect <pty>``.

For tools and tests: ``Board`` (start, ``run``/``put``/``get`` through the raw REPL, stop)
and ``run_script(script)``, which boots the firmware with ``-icount`` (the clock counts
executed instructions: 1 µs of ``time.ticks_us()`` = 1,000 instructions) and returns what
the script printed.
"""
import os
import re
import signal
import subprocess
import sys
import time

from tools import mcu

QEMU = "qemu-system-arm"
ICOUNT = "shift=0,align=off,sleep=off"   # 1 ns of virtual time per instruction
EXIT_MARK = "@@exit "


class BoardError(Exception):
    """QEMU did not start, the REPL did not answer, or a script raised (message says)."""


def _wrap_main(argv):
    # runs main.py as the board would and prints its exit code last; SystemExit's code
    # follows CPython (None -> 0, int -> itself, anything else printed, 1)
    return (
        "import sys\n"
        "sys.argv[:] = %r\n"
        "_rc = 0\n"
        "try:\n"
        "    exec(open('/main.py').read(), {'__name__': '__main__'})\n"
        "except SystemExit as e:\n"
        "    _rc = e.args[0] if e.args else 0\n"
        "    if _rc is not None and not isinstance(_rc, int):\n"
        "        print(_rc)\n"
        "        _rc = 1\n"
        "print(%r + str(_rc or 0))\n" % (list(argv), EXIT_MARK))


def _die_with_parent():
    # QEMU ends with the process that started it, even one killed outright (SIGKILL)
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Board:
    """A QEMU MPS2-AN385 running the firmware: REPL on a pty, UART1 on ``uart``, the pin
    stand-ins (UART2) appended to ``pins``. ``icount`` makes the clock count instructions."""

    def __init__(self, elf=None, uart=None, pins=None, icount=False, heap=mcu.DEFAULT_HEAP,
                 tests=False):
        self.elf = elf or mcu.firmware(heap, tests=tests)
        cmd = [QEMU, "-machine", "mps2-an385", "-nographic", "-monitor", "null",
               "-semihosting", "-serial", "pty", "-serial", uart or "null"]
        if pins:
            cmd += ["-chardev", "file,id=pins,path=%s,append=on" % pins,
                    "-serial", "chardev:pins"]
        if icount:
            cmd += ["-icount", ICOUNT]
        cmd += ["-kernel", self.elf]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True,
                                     preexec_fn=_die_with_parent)
        self.repl = None
        self._t = None
        line = self.proc.stdout.readline()
        m = re.search(r"(/dev/pts/\d+) \(label serial0\)", line)
        if not m:
            self.stop()
            raise BoardError("qemu did not start: %s" % (line + self.proc.stdout.read()))
        self.repl = m.group(1)

    def transport(self):
        """The REPL as an mpremote SerialTransport (opened on first use)."""
        if self._t is None:
            from mpremote.transport_serial import SerialTransport
            self._t = SerialTransport(self.repl, 115200)
        return self._t

    def run(self, script, timeout=60, out=None, soft_reset=True):
        """Run ``script`` through the raw REPL -> what it printed (str). ``out(bytes)``
        receives the output as it comes; ``timeout`` is the longest silence in seconds.
        Raises BoardError with the traceback if the script raised."""
        t = self.transport()
        if not t.in_raw_repl or soft_reset:
            t.enter_raw_repl(soft_reset=soft_reset)
        t.exec_raw_no_follow(script)
        data, err = t.follow(timeout, out)
        if err:
            raise BoardError(err.decode(errors="replace"))
        return data.decode(errors="replace").replace("\r\n", "\n")

    def put(self, path, data):
        """Write ``data`` (bytes) to ``path`` on the board's filesystem (folders made)."""
        t = self.transport()
        if not t.in_raw_repl:
            t.enter_raw_repl(soft_reset=False)
        parts = path.strip("/").split("/")[:-1]
        for i in range(len(parts)):
            d = "/" + "/".join(parts[:i + 1])
            t.exec("import os\ntry:\n    os.mkdir(%r)\nexcept OSError:\n    pass\n" % d)
        t.fs_writefile(path, data)

    def interrupt(self):
        """Ctrl-C on the REPL: KeyboardInterrupt in the running script."""
        self.transport().serial.write(b"\x03")

    def stop(self):
        """Close the REPL and end QEMU."""
        if self._t is not None:
            try:
                self._t.close()
            except Exception:
                pass
            self._t = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def run_script(script, heap=mcu.DEFAULT_HEAP, icount=True, timeout=120, tests=False,
               uart=None):
    """Boot the frozen firmware (``-icount``: ticks count instructions), run ``script``
    through the raw REPL -> its output."""
    with Board(heap=heap, icount=icount, tests=tests, uart=uart) as b:
        return b.run(script, timeout=timeout)


def mp_test_script(module):
    """The raw-REPL script that runs one host_tests/mp module (frozen into the test
    firmware) with host_tests/mp/mprunner.py: prints its ``@@ name PASS|FAIL`` lines."""
    return ("import os, sys\n"
            "try:\n    os.mkdir('/tmp')\nexcept OSError:\n    pass\n"
            "sys.argv[:] = ['mprunner', %r]\n"
            "import mprunner\n" % module)


class _Lines:
    # copies the firmware's output to stdout line by line, keeping back the exit mark
    def __init__(self, dest):
        self.dest = dest
        self.buf = b""
        self.rc = None

    def __call__(self, data):
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            text = line.decode(errors="replace").rstrip("\r")
            if text.startswith(EXIT_MARK):
                self.rc = int(text[len(EXIT_MARK):])
            else:
                self.dest.write(text + "\n")
                self.dest.flush()


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--uart", help="device for UART1 (the BC66): a pty or serial device")
    ap.add_argument("--config", help="the node's JSON config")
    ap.add_argument("--pins", help="the simulator's pins file")
    ap.add_argument("--log", default="info", help="debug, info or warn")
    ap.add_argument("--heap", default="%dK" % (mcu.DEFAULT_HEAP // 1024))
    ap.add_argument("--icount", action="store_true",
                    help="clock counts instructions (1 us = 1,000) instead of host time")
    ap.add_argument("--repl", action="store_true",
                    help="only start the board: print its REPL pty, run until stopped")
    a = ap.parse_args(argv)
    why = mcu.tools_missing()
    if why:
        raise SystemExit("qemu: " + why)
    if not a.repl and not (a.uart and a.config):
        ap.error("--uart and --config are required (or --repl)")
    board = Board(uart=a.uart, pins=a.pins, icount=a.icount, heap=mcu.parse_size(a.heap))
    stopping = []

    def on_signal(signum, frame):
        stopping.append(signum)
        if not a.repl:
            board.interrupt()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if a.repl:
            print(board.repl, flush=True)
            while not stopping and board.proc.poll() is None:
                time.sleep(0.2)
            return 0
        with open(a.config, "rb") as f:
            cfg = f.read()
        board.run("", timeout=20)  # soft reset: a fresh heap and filesystem mount
        board.put("/config.json", cfg)
        with open(os.path.join(mcu.ROOT, "firmware", "main.py"), "rb") as f:
            board.put("/main.py", f.read())
        lines = _Lines(sys.stdout)
        try:
            board.run(_wrap_main(["main.py", "--log", a.log]), timeout=None, out=lines,
                      soft_reset=False)
        except BoardError as e:
            sys.stderr.write(str(e).replace("\r\n", "\n"))
            return 1
        return lines.rc if lines.rc is not None else 1
    finally:
        board.stop()


if __name__ == "__main__":
    sys.exit(main())
