# lib/bc66/transport.py: Port.pump's wait for the rest of a line on a UART with a baud rate.
import asyncio
import io
import time
import fakemodem
fakemodem.prefer_mpy(("__init__", "transport"))


class _Stream(io.IOBase):
    # a UART whose receive buffer holds the given chunks, one per read; records when each
    # read came and how many times another task ran before it
    def __init__(self, chunks, other):
        self.chunks = list(chunks)
        self.other = other
        self.reads = []  # (ticks_ms, other task's runs) per read that got bytes

    def readinto(self, buf):
        if not self.chunks:
            return None
        c = self.chunks.pop(0)
        buf[:len(c)] = c
        self.reads.append((time.ticks_ms(), self.other[0]))
        return len(c)

    def ioctl(self, req, arg):
        return arg & 1 if req == 3 and self.chunks else 0


async def _pump(chunks, baud):
    from bc66.transport import Port
    runs = [0]
    s = _Stream(chunks, runs)
    got = []
    done = asyncio.Event()

    def feed(buf, n):
        got.append(bytes(buf[:n]))
        if len(got) == len(chunks):
            done.set()

    async def other():
        while True:
            runs[0] += 1
            await asyncio.sleep_ms(0)
    o = asyncio.create_task(other())
    port = Port(s, baud)
    t = asyncio.create_task(port.pump(bytearray(64), feed))
    await asyncio.wait_for_ms(done.wait(), 5000)
    t.cancel()
    o.cancel()
    await asyncio.sleep_ms(0)
    return port, s.reads, got


async def test_waits_for_the_rest_of_a_line_at_a_baud_rate():
    port, reads, got = await _pump((b"\r\n+QLWURC: \"re", b"ad\",1,3303,0,5700\r\n", b"\r\nOK"), 115200)
    assert port.rest_ms == 2, port.rest_ms  # 16 characters at 115200 baud, rounded up
    assert got[1] == b"ad\",1,3303,0,5700\r\n"
    # after the chunk that ended inside a line: rest_ms later, other tasks ran meanwhile
    assert time.ticks_diff(reads[1][0], reads[0][0]) >= port.rest_ms - 1, reads
    assert reads[1][1] > reads[0][1], reads
    # after one that ended with its line: read again at once (no other task ran)
    assert reads[2][1] == reads[1][1], reads


async def test_no_wait_without_a_baud_rate():
    port, reads, got = await _pump((b"+QLWURC: \"re", b"ad\",1,3303,0,5700\r\n"), 0)
    assert port.rest_ms == 0 and reads[1][1] == reads[0][1], reads


async def test_no_wait_after_a_full_buffer():
    # the chunk filled the read buffer: more is waiting, read it at once
    port, reads, got = await _pump((b"x" * 64, b"\r\n"), 115200)
    assert reads[1][1] == reads[0][1], reads
