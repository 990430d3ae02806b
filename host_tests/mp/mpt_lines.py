# lib/bc66/lines.py: CR/LF framing into one preallocated buffer.
import fakemodem
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


def test_no_allocation_per_byte():
    from bc66.lines import Lines
    import gc
    fr = Lines(lambda b, n: None)
    data = bytearray(b"+QLWURC: \"read\",17123,3303,0,5601\r\n" * 4)
    fr.feed(data, len(data))
    gc.collect()
    a = gc.mem_alloc()
    for _ in range(10):
        fr.feed(data, len(data))
    assert gc.mem_alloc() - a < 64, gc.mem_alloc() - a
