# MicroPython side of the Cortex-M section of `make bench` (tools/bench/cortex_m.py sends it to
# the QEMU board through the raw REPL after bench_node.py; sys.argv = [name, requests per
# window, windows]).
#
# The real Node (driver, object model, node; frozen) on the board's UART1 against the
# simulator. Prints "CODE <bytes>" (heap taken by importing the frozen code), "READY" once
# registered, then per window of n requests fired by the simulator's server:
#   BUSY <w> <us/request> <wakes/request>   time not spent waiting in asyncio's poll: under
#                                  -icount 1 us of ticks_us is 1,000 executed instructions
# and "HEAP <bytes>" (in use after a collection at the end), "PEAK <bytes>" (most in use
# seen before a collection during the run). No allocation count with the GC off here: on
# this board each idle poll of the UART stream (a Python ioctl called by the C poller)
# allocates, so an idle heap fills within a fraction of a second.
import gc
import sys
import time

gc.collect()
_m0 = gc.mem_alloc()
import asyncio  # noqa: E402
from asyncio import core  # noqa: E402
import boards  # noqa: E402
from bc66.modem import BC66  # noqa: E402
# the node (bench_node.py builds it), imported here for the CODE figure
import lwm2m.config  # noqa: E402,F401
import lwm2m.ipso  # noqa: E402,F401
import lwm2m.node  # noqa: E402,F401
import lwm2m.objects  # noqa: E402,F401
import bc66.urc  # noqa: E402,F401
import bc66.values  # noqa: E402,F401
gc.collect()
print("CODE", gc.mem_alloc() - _m0)

_idle = [0, 0, 0]  # us waiting in poll, wakes, most heap in use seen


def _measure_idle():
    q = core._io_queue
    wait = q.wait_io_event
    ticks_us = time.ticks_us
    diff = time.ticks_diff

    def wait_io_event(dt):
        a = gc.mem_alloc()
        if a > _idle[2]:
            _idle[2] = a
        if dt == 0:  # runnable tasks: a non-blocking poll is work
            return wait(dt)
        t = ticks_us()
        wait(dt)
        _idle[0] += diff(ticks_us(), t)
        _idle[1] += 1
    q.wait_io_event = wait_io_event


async def main(n, windows):
    node, task = await registered_node(  # noqa: F821 (bench_node.py)
        BC66(boards.load().open_port()))
    c = node.counters
    for w in range(windows):
        r0 = c["requests"]
        t0, i0, k0 = time.ticks_us(), _idle[0], _idle[1]
        while c["requests"] < r0 + n:  # its own 20 ms wakes count as busy (small)
            await asyncio.sleep_ms(20)
        busy = time.ticks_diff(time.ticks_us(), t0) - (_idle[0] - i0)
        k = c["requests"] - r0
        print("BUSY", w, busy // k, (_idle[1] - k0) // k)
    gc.collect()
    print("HEAP", gc.mem_alloc())
    print("PEAK", _idle[2])
    await task  # keep answering until the bench stops the board


_measure_idle()
asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
