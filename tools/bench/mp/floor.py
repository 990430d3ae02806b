# MicroPython: the floor of a request's cost, the least a plain asyncio node does for it
# (run by tools/bench/request_path.py after tools/bench/mp/roundtrip.py, on the same board,
# against the same in-memory Module, measured the same way). One reader task reads what
# the module has into a fixed buffer, waiting through asyncio's StreamReader only when
# nothing is there (as the node's Port does), frames lines with
# find(), copies the request's message id into the answer command, writes it, and
# consumes OK and the +QLWRDRSP: 0 / +QLWWRRSP: 0 result before the next part: what the
# note requires of any node, nothing more (no object model, no checks, no retries).
#   floor.run(kind, n, chunk) -> microseconds per round trip (after two warm-ups)
import asyncio
import time

_URC = b'+QLWURC: "'
_RESULT = b"+QLW"  # +QLWRDRSP: 0 / +QLWWRRSP: 0
# the answers of kind "one", "instance" (5 readable resources, index 4..0) and "write"
_ANSWERS = {
    "one": (b"AT+QLWRDRSP=", (b",1,3303,0,5700,4,4,21.5,0\r",)),
    "instance": (b"AT+QLWRDRSP=", tuple(b",1,3303,0,%d,4,4,21.5,%d\r" % (rid, i) for i, rid in
                                        ((4, 5700), (3, 5701), (2, 5601), (1, 5602), (0, 5750)))),
    "write": (b"AT+QLWWRRSP=", (b",2\r",)),
}


async def _floor(module, command, answers):
    reader = asyncio.StreamReader(module)
    buf = bytearray(256)
    mv = memoryview(buf)
    cmd = bytearray(64)
    have = 0
    part = len(answers)  # nothing in flight
    mid = b""
    while True:
        n = module.readinto(mv[have:])  # what is there already, without a wake
        if not n:
            n = await reader.readinto(mv[have:])  # else wait for it (a wake of the reader)
            if not n:  # the module had nothing more this wake
                continue
        have += n
        start = 0
        while True:
            end = buf.find(b"\r\n", start, have)
            if end < 0:
                break
            if buf.startswith(_URC, start):  # a request: its message id after the kind
                a = buf.find(b",", start) + 1
                mid = bytes(mv[a:buf.find(b",", a)])
                part = 0
            elif buf.startswith(_RESULT, start):  # the part's result: the next part
                part += 1
            else:  # OK, empty lines
                start = end + 2
                continue
            start = end + 2
            if part < len(answers):
                cmd[:] = command
                cmd.extend(mid)
                cmd.extend(answers[part])
                module.write(cmd)
        if start:
            mv[:have - start] = mv[start:have]
            have -= start


async def _measure_floor(kind, n, chunk):
    module = Module(REQUESTS[kind][1], n + 2, chunk, REQUESTS[kind][0])  # noqa: F821
    task = asyncio.create_task(_floor(module, *_ANSWERS[kind]))
    await asyncio.sleep_ms(0)
    module.next_request()
    await module.finished.wait()
    task.cancel()
    await asyncio.sleep_ms(0)
    return time.ticks_diff(module.t_us[-1], module.t_us[2]) // n


def run_floor(kind, n, chunk):
    """-> microseconds per round trip of the floor program (after two warm-up requests)."""
    return asyncio.run(_measure_floor(kind, n, chunk))
