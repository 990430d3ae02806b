"""A minimal blocking AT client for tests and the CLI demo (the MCU side, in CPython)."""
import os
import select
import socket
import time
import termios
import tty

# Set/execute forms whose "+NAME:" line is only ever the deferred outcome, sent after OK
# (note chapter 4), never an information line of the command itself.
DEFERRED_ONLY = ("+QLWREG", "+QLWDEREG", "+QLWRECOVER", "+QLWNOTIFY", "+QLWADDOBJ",
                 "+QLWDELOBJ", "+QLWRDRSP", "+QLWWRRSP", "+QLWRRSP", "+QLWEXERSP", "+QLWOBSRSP")
FINAL = ("OK", "ERROR")


class ATClient:
    """Open the simulator's pty path (or "tcp://127.0.0.1:PORT") raw and talk AT."""

    def __init__(self, device):
        self.sock = None
        self.fd = None
        if device.startswith("tcp://"):
            host, port = device[6:].rsplit(":", 1)
            self.sock = socket.create_connection((host, int(port)))
            self.sock.setblocking(False)
        else:
            self.fd = os.open(device, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            tty.setraw(self.fd, termios.TCSANOW)   # keep what is already queued
        self.buf = bytearray()
        self.received = 0  # bytes read from the module since open

    def _fileno(self):
        return self.sock.fileno() if self.sock else self.fd

    def close(self):
        if self.sock:
            self.sock.close()
        elif self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        view = memoryview(data)
        while view:
            select.select([], [self._fileno()], [], 1.0)
            try:
                n = self.sock.send(view) if self.sock else os.write(self.fd, view)
            except BlockingIOError:
                continue
            view = view[n:]

    def send(self, line):
        self.write(line.encode() + b"\r")

    def _fill(self, timeout):
        r, _, _ = select.select([self._fileno()], [], [], max(0.0, timeout))
        if not r:
            return False
        try:
            data = self.sock.recv(4096) if self.sock else os.read(self.fd, 4096)
        except (BlockingIOError, InterruptedError):
            return True
        self.buf += data
        self.received += len(data)
        return True

    def read_exact(self, n, timeout=2.0):
        """Exactly n bytes (fewer only on timeout)."""
        end = time.monotonic() + timeout
        while len(self.buf) < n and time.monotonic() < end:
            self._fill(end - time.monotonic())
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def settle(self, sim, timeout=5.0):
        """Read and discard everything ``sim`` (a Simulator on this client's pty) has sent
        so far: waits for those bytes to arrive, not for a quiet period. -> the bytes."""
        with sim.lock:
            n = sim.transcript.count["<"]
        end = time.monotonic() + timeout
        while self.received < n:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("%d of %d bytes arrived" % (self.received, n))
            self._fill(left)
        k = max(0, n - (self.received - len(self.buf)))
        out = bytes(self.buf[:k])
        del self.buf[:k]
        return out

    def drain(self, quiet=0.05, limit=5.0):
        """Everything received until the line is quiet for `quiet` seconds."""
        end = time.monotonic() + limit
        while time.monotonic() < end and self._fill(quiet):
            pass
        out = bytes(self.buf)
        self.buf.clear()
        return out

    def read_line(self, timeout=2.0):
        """The next non-empty line (str, without CR/LF) or None on timeout."""
        end = time.monotonic() + timeout
        while True:
            while True:
                i = self.buf.find(b"\n")
                if i < 0:
                    break
                line = bytes(self.buf[:i]).strip(b"\r")
                del self.buf[:i + 1]
                if line:
                    return line.decode("latin-1")
            left = end - time.monotonic()
            if left <= 0 or not self._fill(left) and time.monotonic() >= end:
                return None

    def wait_line(self, pred, timeout=2.0):
        """Read lines until one matches pred (a str prefix or a callable); return it."""
        if isinstance(pred, str):
            prefix = pred
            pred = lambda s: s.startswith(prefix)
        end = time.monotonic() + timeout
        seen = []
        while True:
            line = self.read_line(max(0.0, end - time.monotonic()))
            if line is None:
                raise TimeoutError("no matching line; saw %r" % seen)
            seen.append(line)
            if pred(line):
                return line

    def cmd(self, line, timeout=2.0):
        """Send a command; return its lines up to and including the final result code.

        Lines that are not the command's own (URCs, another command's deferred outcome,
        this command's ``+NAME:`` when that is only ever a deferred outcome) are put back,
        in order, for ``wait_line``/``read_line``: a late ``+QLWRDRSP: 0`` is never taken
        for the answer of the command sent after it."""
        self.send(line)
        own = _info_prefix(line)
        out, aside = [], []
        end = time.monotonic() + timeout
        while True:
            s = self.read_line(max(0.0, end - time.monotonic()))
            if s is None:
                self._put_back(aside)
                raise TimeoutError("%s: no final result; got %r" % (line, out))
            if s in FINAL or s.startswith(("+CME ERROR", "+CMEE ERROR")):
                out.append(s)
                self._put_back(aside)
                return out
            if s.startswith("+") and (own is None or not s.startswith(own)):
                aside.append(s)
            else:
                out.append(s)

    def _put_back(self, lines):
        self.buf[:0] = b"".join(b"\r\n" + s.encode("latin-1") + b"\r\n" for s in lines)

    def expect(self, lines, timeout=2.0):
        """Read exactly the framed bytes of `lines` (b"\\r\\n<line>\\r\\n" each) and return
        (expected, got) bytes."""
        exp = b"".join(b"\r\n" + x.encode() + b"\r\n" for x in lines)
        return exp, self.read_exact(len(exp), timeout)


def _info_prefix(line):
    """"AT+QLWCFG=..." -> "+QLWCFG:"; None for plain commands (ATI, ATE0) and for set/execute
    forms whose "+NAME:" line is only the deferred outcome (DEFERRED_ONLY)."""
    u = line.upper()
    if not u.startswith("AT+"):
        return None
    name = "+" + u[3:].split("=", 1)[0].split("?", 1)[0].strip()
    if name in DEFERRED_ONLY and not u.endswith("?"):
        return None
    return name + ":"
