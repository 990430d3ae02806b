# lib/bc66/lines.py: CR/LF framing into one preallocated buffer.
import fakemodem
from seeded import Rand
fakemodem.prefer_mpy(("__init__", "lines"))


def _frame(chunks, size=None):
    from bc66.lines import Lines, MAXLINE
    out = []
    fr = Lines(lambda b, n: out.append(bytes(b[:n])), size or MAXLINE)
    for c in chunks:
        fr.feed(c, len(c))
    return out, fr


def test_crlf_cr_lf_empty():
    out, _ = _frame([b"\r\nOK\r\n\r\n+A: 1\r+B: 2\n\n\rX"])
    assert out == [b"OK", b"+A: 1", b"+B: 2"], out


def test_split_at_every_byte():
    data = b"\r\n+QLWURC: \"report\",17111\r\n\r\nOK\r\n"
    out, _ = _frame([data[i:i + 1] for i in range(len(data))])
    assert out == [b'+QLWURC: "report",17111', b"OK"]


def test_overlong_dropped_then_resync():
    out, fr = _frame([b"A" * 20 + b"\r\nOK\r\n" + b"B" * 9, b"C" * 9, b"\nOK\n"], size=16)
    assert out == [b"OK", b"OK"], out
    assert fr.overlong == 2


def test_exact_max_kept():
    out, fr = _frame([b"Z" * 16 + b"\r\n"], size=16)
    assert out == [b"Z" * 16] and fr.overlong == 0


def _alloc(fr, data, times=10):
    # bytes allocated by ``times`` feeds of ``data`` (the GC off while counting)
    import gc
    fr.feed(data, len(data))  # first feed of this buffer: its view is made once
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    for _ in range(times):
        fr.feed(data, len(data))
    a = gc.mem_alloc() - a
    gc.enable()
    return a


def test_nothing_allocated_per_line_or_byte():
    # the viper framer copies through raw pointers: no view, no slice, whatever the lines
    from bc66.lines import Lines
    fr = Lines(lambda b, n: None, 64)
    short = bytearray(b"+QLWURC: \"read\",17123,3303,0,5601\r\n" * 4)
    longer = bytearray((b"+QLWURC: \"read\",17123,3303,0,5601" + b"0" * 26 + b"\r\n") * 4)
    assert _alloc(fr, short) == 0, _alloc(fr, short)
    assert _alloc(fr, longer) == 0, _alloc(fr, longer)
    assert _alloc(fr, b"OK\r\n+QLWRDRSP: 0\r\n") == 0  # bytes, not only bytearray
    assert _alloc(fr, bytearray(b"\r\n" * 40)) == 0
    fr.feed(b"X" * 70, 70)  # overlong: skipped up to the next terminator
    assert _alloc(fr, bytearray(b"Y" * 100)) == 0 and fr.overlong == 1


def _bytecode():
    pass


def test_native_code():
    # the framer is machine code on every port we test (.mpy built with build_mpy.ARCH's
    # -march; the QEMU board's frozen code with its port's -march=armv7m), not bytecode
    from bc66.lines import Lines
    assert type(Lines.feed) is not type(_bytecode), type(Lines.feed)


class _PerByte:
    # the framer as it was (a Python loop per byte): the reference the C-level one must match
    def __init__(self, size):
        self.buf = bytearray(size)
        self.n = 0
        self.skip = False
        self.overlong = 0
        self.out = []

    def feed(self, data, n):
        buf = self.buf
        k = self.n
        skip = self.skip
        for i in range(n):
            c = data[i]
            if c == 13 or c == 10:
                if skip:
                    skip = False
                elif k:
                    self.out.append(bytes(buf[:k]))
                k = 0
            elif skip:
                pass
            elif k < len(buf):
                buf[k] = c
                k += 1
            else:
                skip = True
                self.overlong += 1
                k = 0
        self.n = k
        self.skip = skip


_PIECES = (b"\r\n", b"\r", b"\n", b"\n\r", b"OK", b"+QLWURC: \"read\",1,3303,0,5700",
           b"ERROR", b"\xff\x00", b"A" * 7, b"B" * 15, b"C" * 16, b"D" * 17, b"E" * 40, b",")


def test_same_lines_as_the_per_byte_framer_any_split():
    # random line sets (short, exact-size, overlong at and across chunk ends, every kind of
    # terminator) fed in random splits, also into a bytearray read buffer as the reader does
    from bc66.lines import Lines
    rnd = Rand(12)
    size = 16
    rx = bytearray(64)
    for case in range(300):
        data = b"".join(_PIECES[rnd.below(len(_PIECES))] for _ in range(rnd.below(14)))
        ref = _PerByte(size)
        ref.feed(data, len(data))
        got = []
        fr = Lines(lambda b, n: got.append(bytes(b[:n])), size)
        i = 0
        while i < len(data):
            m = 1 + rnd.below(min(len(rx), 1 + rnd.below(40)))
            chunk = data[i:i + m]
            if case & 1:  # the reader's way: the same buffer, n bytes of it valid
                rx[:len(chunk)] = chunk
                fr.feed(rx, len(chunk))
            else:
                fr.feed(chunk, len(chunk))
            i += m
        assert got == ref.out, (case, data, got, ref.out)
        assert (fr.overlong, fr.n, fr.skip) == (ref.overlong, ref.n, ref.skip), (case, data)
