"""CR/LF framing into one preallocated buffer: no allocation per byte, never MemoryError."""
from micropython import const

# Longest legal line: a 1024-character value plus its +QLWURC / +QLWRD header.
MAXLINE = const(1024 + 100)


class Lines:
    """Feed raw bytes; ``line(buf, n)`` is called for every complete non-empty line
    (``cb`` given, or a subclass's ``line`` method).

    ``buf[:n]`` is the line without its terminator and is only valid during the call.
    A line longer than ``size`` is dropped (``overlong`` counts it) and framing resumes at
    the next CR or LF. CR LF, bare CR and bare LF all end a line; empty lines are skipped.
    """

    def __init__(self, cb=None, size=MAXLINE):
        self.buf = bytearray(size)
        self.n = 0
        self.skip = False  # inside an overlong line
        self.overlong = 0
        if cb is not None:
            self.line = cb

    def feed(self, data, n):
        buf = self.buf
        size = len(buf)
        k = self.n
        skip = self.skip
        for i in range(n):
            c = data[i]
            if c == 13 or c == 10:
                if skip:
                    skip = False
                elif k:
                    self.n = 0
                    self.line(buf, k)
                k = 0
            elif skip:
                pass
            elif k < size:
                buf[k] = c
                k += 1
            else:
                skip = True
                self.overlong += 1
                k = 0
        self.n = k
        self.skip = skip
