"""The node on a Cortex-M3 in QEMU (MPS2-AN385), with the project frozen into its firmware.

    .venv/bin/python -m tools.board.qemu --uart /dev/pts/N --config config.json [--log debug]

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
import subprocess
import sys

from tools.board import mcu, rawrepl
from tools.board.nodeproc import die_with_parent

QEMU = "qemu-system-arm"
ICOUNT = "shift=0,align=off,sleep=off"   # 1 ns of virtual time per instruction


# main.py as the board runs it at boot, with these arguments
MAIN = "import sys\nsys.argv[:] = %r\nexec(open('/main.py').read(), {'__name__': '__main__'})\n"


class BoardError(Exception):
    """QEMU did not start, the REPL did not answer, or a script raised (message says)."""


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
        # its own process group: a terminal's Ctrl-C goes to the tool, which turns it into
        # the board's Ctrl-C; QEMU itself would end at once. It ends with its parent.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, process_group=0,
                                     preexec_fn=die_with_parent)
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

    def install(self, config):
        """Soft reset (a fresh heap and filesystem mount), then write the node's
        ``/config.json`` (bytes) and ``/main.py`` (this tree's firmware/main.py)."""
        self.run("", timeout=20)
        self.put("/config.json", config)
        with open(os.path.join(mcu.ROOT, "firmware", "main.py"), "rb") as f:
            self.put("/main.py", f.read())

    def run_node(self, out, log="info", timeout=None, soft_reset=False):
        """Run ``/main.py`` as the board runs it at boot (after a soft reset with
        ``soft_reset``), ``out(line)`` getting each line of its output -> its exit code.
        ``timeout``: the longest silence (None: none). Raises BoardError if the board
        faulted (its register dump went to ``out``), stopped answering or the script
        raised."""
        t = self.transport()
        try:
            if soft_reset or not t.in_raw_repl:
                t.enter_raw_repl(soft_reset=soft_reset)
            return rawrepl.run_main(t, MAIN % (["main.py", "--log", log],), out, timeout)
        except rawrepl.RunError as e:
            raise BoardError(str(e))

    def interrupt(self):
        """Ctrl-C on the REPL: KeyboardInterrupt in the running script."""
        rawrepl.ctrl_c(self.transport())

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


def each_line(on_line):
    """-> an ``out`` for ``Board.run`` that calls ``on_line(text)`` with each whole line the
    board prints (decoded, bad bytes replaced, without its line end)."""
    buf = [b""]

    def out(data):
        buf[0] += data
        while b"\n" in buf[0]:
            line, buf[0] = buf[0].split(b"\n", 1)
            on_line(line.decode(errors="replace").rstrip("\r"))
    return out


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
    mcu.require_tools("qemu")
    if not a.repl and not (a.uart and a.config):
        ap.error("--uart and --config are required (or --repl)")
    board = None
    sig = rawrepl.ctrl_c_on_signals(lambda frame: board.interrupt())
    try:
        with sig:
            board = Board(uart=a.uart, pins=a.pins, icount=a.icount,
                          heap=mcu.parse_size(a.heap))
            if a.repl:
                print(board.repl, flush=True)
                board.proc.wait()
                return 0
            with open(a.config, "rb") as f:
                board.install(f.read())
            sig.running = True
            return board.run_node(_print, a.log)
    except KeyboardInterrupt:
        if a.repl:
            return 0
        print("qemu: stopped before the node started", file=sys.stderr)
        return 130
    except BoardError as e:
        sys.stderr.write("qemu: %s\n" % str(e).replace("\r\n", "\n").rstrip("\n"))
        return 1
    finally:
        if board is not None:
            board.stop()


def _print(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
