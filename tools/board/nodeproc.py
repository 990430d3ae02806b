"""Run the firmware (firmware/main.py) on the MicroPython unix port as a child process.

Used by ``make demo``, the integration tests and the benchmarks: the firmware runs exactly
as a user runs it, ``micropython firmware/main.py --port DEV --config FILE``, with the
library imported from ``build/mpy`` (what a board runs) and an MCU-sized heap.
"""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MPY = os.path.join(ROOT, "build", "mpy")
SHUTDOWN_AT_S = 15  # the AT commands of a Ctrl-C shutdown before AT+QLWDEREG, generously


def _prctl():
    try:
        import ctypes
        return ctypes.CDLL(None).prctl  # looked up here: not in a child after fork
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()


def die_with_parent():
    """``preexec_fn`` of a child that must end with the process that started it, even one
    killed outright (SIGKILL): Linux sends it SIGTERM then (PR_SET_PDEATHSIG)."""
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)


def micropython():
    here = os.path.join(os.path.dirname(sys.executable), "micropython")
    return here if os.path.exists(here) else "micropython"


def build():
    """Compile lib/, firmware/ and boards/ into build/mpy (only what changed)."""
    from tools.board import build_mpy
    build_mpy.build(MPY)


def default_config(state_dir, **over):
    """A config for the simulator: plain UDP, quick reports, all three stock objects."""
    cfg = {"server": {"host": "leshan.example.net", "port": 5683},
           "lifetime": 300, "security": "none", "report_interval_s": 5,
           "objects": ["temperature", "voltage", "bindata"],
           "network_timeout_s": 30, "register_timeout_s": 20,
           "backoff": {"base_s": 1, "cap_s": 8}, "state_dir": state_dir}
    for k, v in over.items():
        cfg[k] = v
    return cfg


class Firmware:
    """One firmware process; its log lines are collected in ``lines``."""

    def __init__(self, device, workdir, config=None, heap="512K", log="info", pins=None,
                 echo=None, env=None, board="unix", qemu_heap=None):
        os.makedirs(workdir, exist_ok=True)
        self.workdir = workdir
        self.cfg_path = os.path.join(workdir, "config.json")
        # board "qemu": the Cortex-M3 board in QEMU (tools/board/qemu.py), state on its own flash
        cfg = config or default_config("/state" if board == "qemu" else
                                       os.path.join(workdir, "state"))
        with open(self.cfg_path, "w") as f:
            json.dump(cfg, f)
        if board == "qemu":
            self.cmd = [sys.executable, "-m", "tools.board.qemu", "--uart", device,
                        "--config", self.cfg_path, "--log", log]
            if qemu_heap:  # the board's heap is built into its firmware (tools/board/mcu.py)
                self.cmd += ["--heap", qemu_heap]
        else:
            # its Ctrl-C as a byte on stdin (``interrupt``): the unix port raises a
            # SIGINT's KeyboardInterrupt wherever its C code is (firmware/app.py)
            self.cmd = [micropython(), "-X", "heapsize=" + heap,
                        os.path.join(ROOT, "firmware", "main.py"),
                        "--port", device, "--config", self.cfg_path, "--log", log,
                        "--stop", "stdin"]
        if pins:
            self.cmd += ["--pins", pins]
        self.board = board
        self.qemu_heap = qemu_heap
        self.lines = []
        self.echo = echo
        self.env = env or {}  # extra environment (BC66_WOKE=1: a wake from deep sleep)
        self.proc = None
        self._cv = threading.Condition()

    def start(self):
        build()
        if self.board == "qemu":  # the board's firmware built (minutes) before it starts,
            from tools.board import mcu  # not inside the caller's wait for the node
            mcu.firmware(mcu.parse_size(self.qemu_heap) if self.qemu_heap else
                         mcu.DEFAULT_HEAP)
        env = dict(os.environ)
        env.update(self.env)
        env["MICROPYPATH"] = ":".join([".frozen", os.path.join(MPY, "lib"),
                                       os.path.join(MPY, "firmware"), MPY])
        env["PYTHONPATH"] = ROOT  # tools.board.qemu
        # its own process group: a terminal's Ctrl-C reaches the tool that started it, which
        # passes one Ctrl-C on (``interrupt``); a second one would cut the shutdown short
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     text=True, env=env, cwd=self.workdir, bufsize=1,
                                     process_group=0, preexec_fn=die_with_parent
                                     if threading.current_thread() is threading.main_thread()
                                     else None)  # (the signal follows the starting thread)
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()
        return self

    def wait(self, timeout=None):
        """Wait for the process to end and its output to be read -> exit code."""
        code = self.proc.wait(timeout)
        self._pump_thread.join(5)
        return code

    def _pump(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            with self._cv:
                self.lines.append(line)
                self._cv.notify_all()
            if self.echo:
                self.echo(line)

    def wait_log(self, pattern, timeout=10.0, start=0):
        """Wait for a log line matching ``pattern`` (regex) -> the match; TimeoutError."""
        rx = re.compile(pattern)
        end = time.time() + timeout
        with self._cv:
            i = start
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return m
                    i += 1
                left = end - time.time()
                if left <= 0 or (self.proc.poll() is not None and i >= len(self.lines)):
                    raise TimeoutError("no log line like %r; last lines:\n%s"
                                       % (pattern, "\n".join(self.lines[-15:])))
                self._cv.wait(min(left, 0.2))

    def shutdown_bound_s(self):
        """How long the firmware's Ctrl-C shutdown may take by its own timeouts: AT sync
        (3 tries) and ATE0/AT+CMEE/AT+QLWSTATUS? (a few seconds together, SHUTDOWN_AT_S),
        then AT+QLWDEREG waited for ``register_timeout_s``."""
        with open(self.cfg_path) as f:
            reg = json.load(f).get("register_timeout_s", 60)
        return SHUTDOWN_AT_S + reg

    def ctrl_c(self):
        """One Ctrl-C, as a user's: a 0x03 byte on the unix firmware's stdin once its loop
        runs (read between two of its steps), SIGINT before that (nothing to shut down
        yet: imports, config, App()) and to the QEMU board's runner (it sends the byte)."""
        with self._cv:
            running = any("app: starting on" in x for x in self.lines)
        if self.board == "qemu" or not running:
            self.proc.send_signal(signal.SIGINT)
            return
        try:
            self.proc.stdin.write("\x03")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):  # it has ended already (or closed stdin)
            pass

    def interrupt(self, timeout=None):
        """Ctrl-C: the firmware deregisters and exits -> its exit code.

        Waits for the exit itself, up to the firmware's own bound (``shutdown_bound_s``,
        or ``timeout``); a firmware still running past it is killed and TimeoutError says
        so with its last log lines (a busy machine only makes the wait longer)."""
        self.ctrl_c()
        bound = self.shutdown_bound_s() if timeout is None else timeout
        try:
            try:
                return self.wait(bound)
            except KeyboardInterrupt:  # Ctrl-C again: passed on, the firmware stops at once
                self.ctrl_c()
                return self.wait(bound)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.wait()
            raise TimeoutError("firmware still running %.0f s after Ctrl-C; last lines:\n%s"
                               % (bound, "\n".join(self.lines[-15:])))

    def kill(self):
        """Power cut of the MCU: no clean-up at all."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    stop = kill
