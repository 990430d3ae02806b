# MicroPython side of `make bench` (run by tools/bench/report.py on the unix port, after
# bench_node.py: ``micropython <both joined> <pty> <requests per window> <windows>``).
#
# Prints "CODE <bytes>" (heap taken by importing the driver and node: their code), then
# runs the real Node (driver, object model, node) against the simulator's pty, prints
# "READY" once registered, and while the simulator's server fires requests it measures:
#   ALLOC <w> <bytes/request>   heap allocated per request round trip in window w (gc off;
#                               the windows follow 100 warm-up requests; everything the
#                               node does is counted)
#   HEAP <bytes>                heap in use after a collection at the end of the run
import gc
import sys

gc.collect()
_m0 = gc.mem_alloc()
import asyncio  # noqa: E402
from bc66 import transport  # noqa: E402
from bc66.modem import BC66  # noqa: E402
# the node (bench_node.py builds it), imported here for the CODE figure
import lwm2m.config  # noqa: E402,F401
import lwm2m.ipso  # noqa: E402,F401
import lwm2m.node  # noqa: E402,F401
import lwm2m.objects  # noqa: E402,F401
# modules the driver loads on first use (set-up commands, answers, request URCs): code too
import bc66.urc  # noqa: E402,F401
import bc66.values  # noqa: E402,F401
gc.collect()
print("CODE", gc.mem_alloc() - _m0)


async def main(dev, n, windows):
    node, task = await registered_node(  # noqa: F821 (bench_node.py)
        BC66(transport.open_serial(dev)))
    c = node.counters
    for w in range(windows):  # one window of n requests per kind of request
        gc.collect()
        gc.disable()
        a0 = gc.mem_alloc()
        r0 = c["requests"]
        while c["requests"] < r0 + n:
            await asyncio.sleep_ms(20)
        a1 = gc.mem_alloc()
        gc.enable()
        print("ALLOC", w, (a1 - a0) // n)
    gc.collect()
    print("HEAP", gc.mem_alloc())
    await task  # keep answering until the bench kills the process


asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
