# lib/bc66/modem.py against a stub engine: long values sent in parts with index N-1..0,
# written as pieces (no 1 KB command copies), and argument checks before anything is sent.
import fakemodem
fakemodem.prefer_mpy()
from stubat import stub_modem as _m  # noqa: E402


def test_0_import():
    import gc
    __import__("bc66.modem")
    __import__("bc66.values")
    gc.collect()
    _m()


async def test_notify_opaque_split_in_two():
    m = _m()
    assert await m.notify(19, 0, 0, 2, bytes(513)) == 2
    a, b = m.at.sent
    # a 1 KB value is written as pieces: head, quote, 16 hex chunks, quote, tail
    assert a[0] == "AT+QLWNOTIFY=19,0,0,2,512," and a[1] == a[-2] == '"' and a[-1] == ",1,1"
    assert len(a) == 20 and all(c == b"00" * 32 for c in a[2:-2])
    assert b == 'AT+QLWNOTIFY=19,0,0,2,1,"00",0,1'
