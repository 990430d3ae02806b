"""Timestamped, human-readable transcript of every byte in both directions.

Format, one line per received/sent line (split after each LF)::

    12.345 > AT+QLWREG\\r
    12.346 < \\r\\n
    12.346 < +QLWREG: 0\\r\\n
    12.400 # reboot (spontaneous)

`>` is MCU -> module, `<` is module -> MCU, `#` is a simulator event. Control characters
are escaped (\\r, \\n, \\xNN). The PSK and its identity (7th and 8th fields of AT+QLWCONFIG /
+QLWCONFIG) are masked in every line, data and events alike (a fault event quotes the
command): ``_write`` is the one place a line is made.
"""
import re
import threading
import time

_PSK_RE = re.compile(r'((?:AT\+QLWCONFIG=|\+QLWCONFIG:)\s*(?:"[^"]*"|[^,"]*)'
                     r'(?:,(?:"[^"]*"|[^,"]*)){5},)("[^"]*"|[^,"\r\n]*)'
                     r'(,("[^"]*"|[^,"\r\n]*))?', re.I)


def mask_psk(text):
    # the PSK identity (7th field) and the PSK (8th)
    return _PSK_RE.sub(lambda m: m.group(1) + '"****"' + (',"****"' if m.group(3) else ""),
                       text)


def escape(data):
    out = []
    for b in data:
        if b == 13:
            out.append("\\r")
        elif b == 10:
            out.append("\\n")
        elif b == 92:
            out.append("\\\\")
        elif 32 <= b < 127:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


class Transcript:
    """Collects lines in memory (`.lines`) and optionally appends them to a file."""

    def __init__(self, path=None, t0=None):
        self.path = path
        self.t0 = time.monotonic() if t0 is None else t0
        self.lines = []
        self.count = {">": 0, "<": 0}  # bytes seen in each direction
        self._buf = {">": bytearray(), "<": bytearray()}
        self._lock = threading.Lock()
        self._f = open(path, "a", buffering=1) if path else None

    def _write(self, text):
        line = "%.3f %s" % (time.monotonic() - self.t0, mask_psk(text))
        self.lines.append(line)
        if self._f:
            self._f.write(line + "\n")

    def data(self, direction, data):
        with self._lock:
            self.count[direction] += len(data)
            buf = self._buf[direction]
            buf.extend(data)
            while True:
                i = buf.find(b"\n")
                if direction == "<" and 0 <= i <= 1:
                    i = buf.find(b"\n", i + 1)      # keep "\r\n<line>\r\n" on one line
                if direction == ">":
                    j = buf.find(b"\r")
                    if j >= 0 and (i < 0 or j < i):
                        i = j + 1 if j + 1 < len(buf) and buf[j + 1] == 10 else j
                if i < 0:
                    break
                self._line(direction, bytes(buf[:i + 1]))
                del buf[:i + 1]
            if len(buf) > 4096:
                self._line(direction, bytes(buf))
                buf.clear()

    def _line(self, direction, chunk):
        self._write("%s %s" % (direction, escape(chunk)))

    def flush(self):
        with self._lock:
            for d, buf in self._buf.items():
                if buf:
                    self._line(d, bytes(buf))
                    buf.clear()

    def event(self, text):
        with self._lock:
            self._write("# " + text)

    def close(self):
        self.flush()
        if self._f:
            self._f.close()
            self._f = None
