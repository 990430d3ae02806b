"""The MicroPython unix port on a pty, behaving like a board for ``mpremote``.

``mpremote`` drives a board through its raw REPL on a serial port; the unix port has a raw
REPL too, on its terminal. This bridge puts one on a pty (``<dir>/tty``) with the board's
filesystem in ``<dir>`` (the process's working directory), and adds what a board does and
the unix port does not: a reset (``machine.soft_reset()``, or Ctrl-D in the raw REPL, ends
the unix process) restarts the process, prints ``soft reboot`` and, if the host was in the
raw REPL, re-enters it, as a board's soft reset does.

    python -m tools.board.pretendboard DIR      # prints the pty path, runs until stopped
    make deploy BOARD=unix PORT=DIR/tty   # then deploy to it like to a board
"""
import os
import pty
import select
import subprocess
import sys
import termios
import threading
import time
import tty

from tools.board.nodeproc import micropython

RAW_PROMPT = b"raw REPL; CTRL-B to exit\r\n>"


class PretendBoard:
    """A unix-port MicroPython on a pty at ``<workdir>/tty``; ``start()``, ``stop()``.
    Its heap is the node processes' (tools.board.nodeproc: 512 KB on the 64-bit port): at
    256 KB ``make run`` from a clone at a 113-character path failed in ``App()``."""

    def __init__(self, workdir, heap="512K", env=None):
        self.workdir = os.path.abspath(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.heap = heap
        self.env = dict(os.environ, MICROPYPATH=".frozen:lib")
        self.env.update(env or {})
        self.link = os.path.join(self.workdir, "tty")
        self.resets = 0
        self.proc = None
        self._stop = threading.Event()
        self._cv = threading.Condition()
        self._raw = False  # the host entered the raw REPL (Ctrl-A) and has not left it

    def start(self):
        """Open the host pty, start MicroPython on its own pty, bridge them -> self."""
        self.host, slave = pty.openpty()
        tty.setraw(slave)
        attrs = termios.tcgetattr(slave)
        attrs[3] &= ~termios.ECHO
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        self._slave = slave  # kept open: the pty stays when mpremote disconnects
        if os.path.lexists(self.link):
            os.remove(self.link)
        os.symlink(os.ttyname(slave), self.link)
        self._spawn()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()
        return self

    def _spawn(self):
        self.child, cslave = pty.openpty()
        tty.setraw(cslave)
        self.proc = subprocess.Popen([micropython(), "-X", "heapsize=" + self.heap],
                                     stdin=cslave, stdout=cslave, stderr=cslave,
                                     cwd=self.workdir, env=self.env, close_fds=True)
        os.close(cslave)

    def _read_child_until(self, marker, timeout=10.0):
        # -> what the new process printed up to ``marker`` (its banner, its raw prompt)
        data = b""
        end = time.monotonic() + timeout
        while marker not in data and time.monotonic() < end:
            r, _, _ = select.select([self.child], [], [], 0.1)
            if r:
                try:
                    data += os.read(self.child, 4096)
                except OSError:
                    break
        return data

    def _reset(self):
        # the process ended (a reset): a new one, in the REPL mode the host expects
        self.proc.wait()
        os.close(self.child)
        os.write(self.host, b"soft reboot\r\n")
        self._spawn()
        self._read_child_until(b">>> ")
        if self._raw:
            os.write(self.child, b"\r\x01")
            os.write(self.host, RAW_PROMPT)
            self._read_child_until(RAW_PROMPT)
        with self._cv:
            self.resets += 1
            self._cv.notify_all()

    def wait_resets(self, n, timeout=30.0):
        """Wait until the board has been reset ``n`` times -> True (False on timeout)."""
        with self._cv:
            return self._cv.wait_for(lambda: self.resets >= n, timeout)

    def _pump(self):
        while not self._stop.is_set():
            r, _, _ = select.select([self.host, self.child], [], [], 0.1)
            if self.host in r:
                data = os.read(self.host, 4096)
                if b"\x01" in data:
                    self._raw = True
                if b"\x02" in data:
                    self._raw = False
                try:
                    os.write(self.child, data)
                except OSError:
                    pass
            if self.child in r:
                try:
                    data = os.read(self.child, 4096)
                except OSError:  # the process ended
                    data = b""
                if data:
                    os.write(self.host, data)
                elif not self._stop.is_set():
                    self._reset()

    def stop(self):
        """End the bridge and the MicroPython process."""
        self._stop.set()
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._thread.join(2)
        for fd in (self.host, self._slave, self.child):
            try:
                os.close(fd)
            except OSError:
                pass
        if os.path.lexists(self.link):
            os.remove(self.link)


def main():
    workdir = sys.argv[1] if len(sys.argv) > 1 else "build/pretendboard"
    board = PretendBoard(workdir).start()
    print(board.link, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        board.stop()


if __name__ == "__main__":
    main()
