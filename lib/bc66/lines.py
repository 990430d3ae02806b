"""CR/LF framing into one preallocated buffer, a C-level search and copy per line."""
from micropython import const

# Longest legal line: a 1024-character value plus its +QLWURC / +QLWRD header.
MAXLINE = const(1024 + 100)
_CR = const(13)
_LF = const(10)


class Lines:
    """Feed raw bytes; ``line(buf, n)`` is called for every complete non-empty line
    (``cb`` given, or a subclass's ``line`` method).

    ``buf[:n]`` is the line without its terminator and is only valid during the call.
    A line longer than ``size`` is dropped (``overlong`` counts it) and framing resumes at
    the next CR or LF. CR LF, bare CR and bare LF all end a line; empty lines are skipped.
    """

    def __init__(self, cb=None, size=MAXLINE):
        self.buf = bytearray(size)
        self.n = 0  # bytes of the unfinished line in buf
        self.skip = False  # inside an overlong line
        self.overlong = 0
        self._dst = memoryview(self.buf)
        self._data = None  # the last chunk buffer fed, and a view of it to copy from
        self._view = None
        if cb is not None:
            self.line = cb

    def feed(self, data, n):
        """Frame ``data[:n]`` (bytes or bytearray). ``find`` locates each run of line bytes
        and one slice assignment copies it into ``buf``, between two views of exactly its
        length: ``buf[a:b] = src`` would also memmove all of ``buf`` after ``b`` onto itself
        (MicroPython's slice store), ~6,000 Cortex-M3 instructions for a short line. The
        two view slices are the only allocation: 2 x 16 B per line (or per chunk ending
        inside one) on a 32-bit MCU, whatever the line's length."""
        if data is not self._data:  # the reader passes the same buffer every time
            self._data = data
            self._view = memoryview(data)
        buf = self.buf
        size = len(buf)
        k = self.n
        skip = self.skip
        i = 0
        while i < n:
            c = data[i]
            if c == _LF or c == _CR:
                # a terminator: the line so far is complete (skipped if empty or overlong);
                # the terminators that follow end empty lines and are passed over
                if skip:
                    skip = False
                elif k:
                    self.n = 0
                    self.line(buf, k)
                k = 0
                i += 1
                while i < n and (data[i] == _LF or data[i] == _CR):
                    i += 1
                continue
            # a run of line bytes: up to the first LF or CR, or the chunk's end
            e = data.find(b"\n", i, n)
            if e < 0:
                e = n
            r = data.find(b"\r", i, e)
            if r >= 0:
                e = r
            if skip:
                pass
            elif k + e - i > size:
                skip = True
                self.overlong += 1
                k = 0
            else:
                self._dst[k:k + e - i][:] = self._view[i:e]
                k += e - i
            i = e
        self.n = k
        self.skip = skip
