"""``bc66.native``'s functions in plain Python, for a port with no native emitter (the
unix port on arm64); the same arguments and results, a Python loop per byte (tested
against the native ones: host_tests/mp/mpt_native.py)."""
DIGITS = 9


def frame(self, data, n):
    """``Lines.feed`` (``native.frame``)."""
    buf = self.buf
    size = len(buf)
    k = self.n
    skip = self.skip
    for i in range(n):
        c = data[i]
        if c == 10 or c == 13:
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


def ints(b, i, e, n, out):
    """``native.ints``."""
    for j in range(n):
        while i < e and b[i] == 32:
            i += 1
        neg = i < e and b[i] == 45
        if neg:
            i += 1
        s = i
        x = 0
        while i < e and 48 <= b[i] <= 57:
            x = x * 10 + b[i] - 48
            i += 1
        if i == s or i - s > DIGITS:
            return False
        while i < e and b[i] == 32:
            i += 1
        out[j] = -x if neg else x
        if j < n - 1:
            if i >= e or b[i] != 44:
                return False
            i += 1
    return i == e


def unsafe(s, n):
    """``native.unsafe``."""
    for c in memoryview(s)[:n]:
        if c < 32 or c == 34 or c == 127:
            return True
    return False
