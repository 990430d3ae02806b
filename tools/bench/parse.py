"""The UART framing and the request parser on the Cortex-M alone: instructions per call.

Runs on the QEMU MPS2-AN385 with the project frozen, under ``-icount`` (1 us of ticks =
1,000 instructions): ``Lines.feed`` of a request and of the answer lines of a read, and
``urc.live_request`` of each request kind, each averaged over 40 calls with the GC on; the
bytes each call allocates with the GC off. At d890f2f (a Python loop per byte) the same
calls cost: feed of the request line 46,700, of the answers 28,950, parse of a read 58,050.

    .venv/bin/python -m tools.bench.parse [--elf FIRMWARE.elf]
"""
import sys

from tools.board import mcu, qemu

SCRIPT = r'''
import gc, time
from bc66.lines import Lines
from bc66 import urc

def t(label, f, n=40):
    gc.collect()
    t0 = time.ticks_us()
    for _ in range(n):
        f()
    us = time.ticks_diff(time.ticks_us(), t0)
    gc.collect()
    gc.disable()
    a = gc.mem_alloc()
    f()
    a = gc.mem_alloc() - a
    gc.enable()
    print("BP %d %d %s" % (us * 1000 // n, a, label))

def chunk(b):
    rx = bytearray(128)
    rx[:len(b)] = b
    return rx, len(b)

t("an empty call (for scale)", lambda: None)
fr = Lines(lambda b, k: None)
rq, n_rq = chunk(b'\r\n+QLWURC: "read",1000,3303,0,5700\r\n')
t("Lines.feed: a read request, one chunk (38 B)", lambda: fr.feed(rq, n_rq))
an, n_an = chunk(b'\r\nOK\r\n\r\n+QLWRDRSP: 0\r\n')
t("Lines.feed: OK and +QLWRDRSP: 0, one chunk (22 B)", lambda: fr.feed(an, n_an))
for line in (b'+QLWURC: "read",1000,3303,0,5700', b'+QLWURC: "observe",17,1,3303,0,-1',
             b'+QLWURC: "write",10,9,0,1,3,2,"3432",0', b'+QLWURC: "read",14,70000,0,0'):
    b = bytearray(line)
    t("urc.live_request: " + line.decode(), lambda: urc.live_request(b, len(b)))
'''


def measure(elf=None):
    """-> [(what, instructions per call, bytes allocated per call)]."""
    with qemu.Board(elf=elf, icount=True) as b:
        out = b.run(SCRIPT, timeout=300)
    rows = [ln.split(" ", 3) for ln in out.splitlines() if ln.startswith("BP ")]
    if not rows:
        raise SystemExit("bench parse: unexpected output:\n" + out)
    return [(what, int(insns), int(alloc)) for _, insns, alloc, what in rows]


def main(argv=None):
    elf = mcu.board_bench_elf(argv, __doc__, "bench parse")
    for what, insns, alloc in measure(elf):
        print("%-58s %7d instructions %4d B" % (what, insns, alloc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
