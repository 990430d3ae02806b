"""CR/LF framing into one preallocated buffer, a C-level search and copy per line."""
from micropython import const

# Longest legal line, from the note's limits: a write of the longest value, a string of
# 1,024 bytes (<len>: "The max size is 1024 bytes"), arrives hex-encoded, 2 characters a
# byte (4.2.14: "in hex string format"), inside the longest header of a write,
#   +QLWRD: 65535,"write",65535,65535,65535,65535,1,1024,"<hex>",65535
# (61 characters around the hex: 2,109 in all); plus room for a space after each comma
# (the note's examples show one, bc66-facts.md) and a margin: 2,148 bytes.
_MAX_VALUE_BYTES = const(1024)
_WRITE_HEAD = const(61)  # the characters of a buffered write line around its hex value
_SLACK = const(39)  # spaces after commas (11) and a margin
MAXLINE = const(2 * _MAX_VALUE_BYTES + _WRITE_HEAD + _SLACK)
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
