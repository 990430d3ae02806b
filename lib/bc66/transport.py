"""Ports: the byte pipe ATEngine reads and writes. One thin class over any pollable stream
(machine.UART, a raw unix tty, a socket), built directly on asyncio's IO queue
(``sched.queue_read``/``queue_write``) so a round trip allocates no stream wrappers; through
``asyncio.StreamReader`` where ``sched.IO_QUEUE`` is False."""
from asyncio import sleep_ms
from . import sched

# After a chunk that ends inside a line, the pump of a port with a baud rate waits this
# many character times (16: 2 ms at 115200) for more of the line before it reads again: a
# request line (~40 characters) that trickles in then costs 2-3 wakes of the reader instead
# of one per few bytes (tools/bench/request_path.py, "115200 baud" case).
REST_CHARS = 16


class Port:
    """``await readinto(buf) -> n > 0``; ``await write(data)`` writes all of it; ``close()``.
    ``baud``: the speed of a UART that buffers what arrives while the reader waits ->
    ``rest_ms``, the pump's wait for the rest of a line; 0 (a socket, a pty, a UART
    without a receive buffer) reads again at once."""

    def __init__(self, s, baud=0):
        self.s = s
        self._st = None
        self.rest_ms = -(-REST_CHARS * 10000 // baud) if baud else 0

    async def readinto(self, buf):
        s = self.s
        n = s.readinto(buf)  # what is there already: no IO-queue entry needed
        if n:
            return n
        while True:
            if sched.IO_QUEUE:
                yield sched.queue_read(s)
                n = s.readinto(buf)
            else:
                n = await self._stream().readinto(buf)
            if n:
                return n
            if n == 0:  # poll said readable, nothing there: hang-up / end of stream
                raise OSError(32)

    async def pump(self, buf, feed):
        """Read forever: ``feed(buf, n)`` for every chunk. Reads what is there and waits on
        the IO queue only when nothing is (no coroutine per read), and ``rest_ms`` after a
        chunk that ends inside a line; OSError ends it."""
        while True:
            s = self.s
            if s is None:
                raise OSError(9)
            n = s.readinto(buf)
            if not n:
                if sched.IO_QUEUE:
                    yield sched.queue_read(s)
                    n = s.readinto(buf)
                else:
                    n = await self._stream().readinto(buf)
                if n == 0:  # poll said readable, nothing there: hang-up / end of stream
                    raise OSError(32)
                if not n:
                    continue
            feed(buf, n)
            if self.rest_ms and n < len(buf) and buf[n - 1] != 10 and buf[n - 1] != 13:
                await sleep_ms(self.rest_ms)

    async def write(self, data):
        s = self.s
        n = s.write(data) or 0
        k = len(data)
        if n < k:
            mv = memoryview(data)
            if not sched.IO_QUEUE:
                w = self._stream()
                w.write(mv[n:])
                await w.drain()
                return
            while n < k:
                yield sched.queue_write(s)
                n += s.write(mv[n:]) or 0

    def _stream(self):
        # the asyncio stream over s, where sched.IO_QUEUE is False (made on first use)
        st = self._st
        if st is None or st.s is not self.s:
            from asyncio import StreamReader

            st = self._st = StreamReader(self.s)
        return st

    def any(self):
        """True if received bytes wait to be read (UART.any(), else a poll that does not
        wait)."""
        s = self.s
        if s is None:
            return 0
        a = getattr(s, "any", None)
        if a is not None:
            return a()
        import select

        p = select.poll()
        p.register(s, select.POLLIN)
        return len(p.poll(0))

    def write_now(self, data):
        """Write what the stream takes now, without waiting -> bytes written (ATEngine
        writes a command this way and awaits ``write`` only for a rest)."""
        s = self.s
        if s is None:
            raise OSError(9)
        return s.write(data) or 0

    def close(self):
        s = self.s
        if s is not None:
            self.s = None
            s.close()


def open_serial(path, baud=115200):
    """Unix port: open a tty (pty of the simulator, USB-UART to a real BC66) raw 8N1."""
    import termios

    f = open(path, "r+b")
    fd = f.fileno()
    termios.setraw(fd)
    a = termios.tcgetattr(fd)
    b = getattr(termios, "B%d" % baud)
    a[4] = a[5] = b
    a[6][6] = 0  # VMIN: FileIO.readinto returns what is there once poll says readable
    a[6][5] = 0  # VTIME
    termios.tcsetattr(fd, termios.TCSANOW, a)
    return Port(f)


def open_uart(uart, baud=0):
    """Boards: a configured ``machine.UART`` (its ``readinto`` returns None when empty);
    ``baud`` if it has a receive buffer (see Port)."""
    return Port(uart, baud)


def open_tcp(host, port):
    """Unix port: a TCP connection (the simulator's TCP listener); blocking connect."""
    import socket

    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    s = socket.socket(ai[0], socket.SOCK_STREAM)
    s.connect(ai[-1])
    s.setblocking(False)
    return Port(s)
