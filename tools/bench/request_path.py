"""The request path on the Cortex-M alone: instructions and heap per read round trip.

tools/bench/mp/roundtrip.py runs on the QEMU MPS2-AN385 with the project frozen, under
``-icount shift=0`` (1 us of ticks = 1,000 instructions): the driver, the object model and
IPSO 3303 answer reads through the production ``transport.Port`` against an in-memory
module that answers each command at once and sends the next request with its last answer
line, so nothing else runs (no simulator, no UART byte loop, no bench wakes). The count is
the node's work plus the in-memory module's (an upper bound for the node). Bytes: heap
allocated per round trip with the GC off (1 round trip); instructions: 20 round trips
with the GC on (collections included). The floor: tools/bench/mp/floor.py, the least a plain
asyncio program does for the same request (a reader task, lines framed with find(), the
message id copied into the answer, OK and the result line consumed), run in the same
board session against the same in-memory module and measured the same way; the node's
figure is also given as a ratio to it (issue 20's aim: at most 3x). Flash: ``.text +
.data`` of that firmware minus the same firmware without the project (as the mcu section).

    .venv/bin/python -m tools.bench.request_path [--elf FIRMWARE.elf]
"""
import sys

from tools.bench import mp_script
from tools.board import mcu, qemu

N = 20
N_ALLOC = 1
CASES = (("one", 128, "read one resource, its bytes in one chunk"),
         ("one", 8, "read one resource, 8 bytes per wake of the reader"),
         ("instance", 128, "read an instance (3303/0: 5 values), one chunk"),
         ("write", 128, "write one resource (3303/0/5750, 4 characters), one chunk"),
         ("one", 0, "read one resource, bytes at 115200 baud, 80 MHz MCU, waits left out"))


def measure(elf=None):
    """-> [(description, instructions per round trip, bytes allocated per round trip,
    instructions of those the in-memory module took itself (0: not measured),
    instructions per round trip of the floor program (0: not measured))]."""
    lines = [mp_script("roundtrip.py", "floor.py")]
    for kind, chunk, _ in CASES:
        lines.append("us, _ = run(%r, %d, %d)" % (kind, N, chunk))
        lines.append("_, b = run(%r, %d, %d, True)" % (kind, N_ALLOC, chunk))
        lines.append("mod = module_share(%r, %d, %d) if %d else 0" % (kind, N, chunk, chunk))
        lines.append("floor = run_floor(%r, %d, %d) if %d else 0" % (kind, N, chunk, chunk))
        lines.append("print('RT', us, b, mod, floor)")
    with qemu.Board(elf=elf, icount=True) as b:
        out = b.run("\n".join(lines) + "\n", timeout=900)
    got = [ln.split() for ln in out.splitlines() if ln.startswith("RT ")]
    if len(got) != len(CASES):
        raise SystemExit("bench request_path: unexpected output:\n" + out)
    return [(desc, int(us) * 1000, int(b), int(mod) * 1000, int(floor) * 1000)
            for (_, _, desc), (_, us, b, mod, floor) in zip(CASES, got)]


def rows():
    """``make bench`` rows: (measure, value, target)."""
    out = []
    for desc, insns, alloc, module, floor in measure():
        value = "%d" % insns
        if module:
            value += " (the in-memory module: %d; the node: %d)" % (module, insns - module)
        target = ""
        if floor:
            value += "; floor %d, ratio %.1fx" % (floor, insns / floor)
            if module and floor > module:
                value += " (net of the module: %.1fx)" % ((insns - module) / (floor - module))
            target = "<= 3x the floor"
        out.append(("Cortex-M instructions per round trip: " + desc, value, target))
        out.append(("Cortex-M heap allocated per round trip: " + desc, "%d B" % alloc, ""))
    from tools.bench.cortex_m import flash_sizes  # the firmware measured above
    fw, base = flash_sizes()
    out.append(("Cortex-M flash of the frozen project, the firmware measured above",
                "%d B" % (fw - base), "firmware %d B, without the project %d B" % (fw, base)))
    return out


def main(argv=None):
    elf = mcu.board_bench_elf(argv, __doc__, "bench request_path")
    for desc, insns, alloc, module, floor in measure(elf):
        ratio = " %.1fx the floor (%d)" % (insns / floor, floor) if floor else ""
        print("%-58s %8d instructions (module %7d) %6d B allocated%s"
              % (desc, insns, module, alloc, ratio))
    return 0


if __name__ == "__main__":
    sys.exit(main())
