"""The Cortex-M section of ``make bench``: the node on the QEMU MPS2-AN385 (Cortex-M3) with
the project frozen, and the 32-bit unix port, both built from ../shared/vendor.

- heap taken by the driver + node code: imported frozen on the Cortex-M, imported as .mpy
  on the 32-bit and 64-bit unix ports (the same module list as the 64-bit row);
- flash added by the frozen project: ``.text + .data`` of the firmware minus the same
  firmware built with asyncio and the board's _boot.py only;
- a busy run (tools/bench/mp/cortex_m_node.py sent to the board, 64 KB heap, QEMU with
  ``-icount shift=0,align=off,sleep=off``: one executed instruction is 1 ns of the virtual
  clock; the port's ticks_us is SysTick's millisecond count plus its down-counter at the
  board's 25 MHz, so 1 us of ticks is 1,000 instructions): the real Node against the
  simulator over UART1, WARMUP requests, then one window of N requests per kind (read
  3303/0/5700, read 3303/0/-1, write, execute). CPU per request = ticks over the window
  minus the ticks spent blocked in asyncio's poll, per request: everything the MCU
  executes for it (the byte-by-byte UART reads of this board's Python driver, the garbage
  collections, the bench's own 20 ms wakes) except waiting. Wakes = blocking polls per
  request (the UART delivers a request in several pieces). Working data = heap in use after
  a collection at the end minus the imported code;
- the smallest heap the node lives in: its own section (tools/bench/heap.py).
"""
import os
import subprocess

from tools.bench import mixed_requests, mp_script
from tools.board import mcu, qemu
from tools.bc66sim import Simulator
from tools.board.nodeproc import ROOT, micropython

WARMUP = 100
N = 50
KINDS = 4
WIRE_MS = 14.08           # a read round trip on the wire at 115200 baud (64-bit bench)
MCU_HZ = 80_000_000
IMPORT = ("asyncio", "bc66.modem", "lwm2m.objects", "lwm2m.ipso", "lwm2m.config",
          "lwm2m.node", "bc66.urc",
          "bc66.values")
IMPORT_SCRIPT = ("import gc\ngc.collect()\na = gc.mem_alloc()\n"
                 "for m in %r:\n    __import__(m)\n"
                 "gc.collect()\nprint('CODE', gc.mem_alloc() - a)\n" % (IMPORT,))


def code_heap_unix(exe, arch="x64"):
    """Heap taken by importing the driver + node as .mpy on a unix port (its native code:
    ``arch``, build_mpy.ARCH)."""
    from tools.board import build_mpy
    mpy = build_mpy.out_dir(arch)
    build_mpy.build(mpy, arch=arch)
    rel = os.path.relpath(mpy, ROOT)
    env = dict(os.environ, MICROPYPATH=":".join([".frozen", rel + "/lib", rel]))
    r = subprocess.run([exe, "-X", "heapsize=4M", "-c", IMPORT_SCRIPT], capture_output=True,
                       text=True, env=env, cwd=ROOT, timeout=60)
    return int(r.stdout.split()[-1])


def flash_sizes():
    """(.text+.data of the node firmware, of the same firmware without the project)."""
    def size(elf):
        out = subprocess.run(["arm-none-eabi-size", elf], capture_output=True, text=True,
                             check=True).stdout.split("\n")[1].split()
        return int(out[0]) + int(out[1])
    return size(mcu.firmware()), size(mcu.firmware(variant="base"))


def code_heap_frozen():
    """Heap taken by importing the driver + node frozen, on the QEMU board."""
    return int(qemu.run_script(IMPORT_SCRIPT, icount=False).split()[-1])


def busy_run(heap=mcu.DEFAULT_HEAP):
    """tools/bench/mp/cortex_m_node.py on the board (icount on) against the simulator -> figures."""
    import threading
    sim = Simulator(attach_s=0.2, seed=11, response_timeout_s=10.0)
    sim.start()
    got = {"BUSY": [], "log": []}
    cond = threading.Condition()

    def line(text):
        p = text.split()
        with cond:
            if p and p[0] == "BUSY":
                got["BUSY"].append([int(x) for x in p[2:]])
            elif p and p[0] in ("CODE", "READY", "HEAP", "PEAK"):
                got[p[0]] = int(p[1]) if len(p) > 1 else True
            else:
                got["log"].append(" ".join(p))
            cond.notify_all()
    board = qemu.Board(uart=sim.device, icount=True, heap=heap)
    script = ("import sys\nsys.argv[:] = ['bench', %d, %d]\n" % (N, KINDS)
              + mp_script("bench_node.py", "cortex_m_node.py"))
    err = []

    def run():
        try:
            board.run(script, timeout=600, out=qemu.each_line(line))
        except Exception as e:  # reported below
            err.append(e)
        with cond:
            got["END"] = True
            cond.notify_all()
    threading.Thread(target=run, daemon=True).start()
    try:
        with cond:
            if not cond.wait_for(lambda: "READY" in got or "END" in got, 300) or "END" in got:
                raise RuntimeError("the node did not register")
        ops = mixed_requests(sim)
        for i in range(WARMUP):
            ops[i % KINDS]()
        for k in range(KINDS):  # one window of N requests per kind
            while True:
                ops[k]()
                with cond:
                    if len(got["BUSY"]) > k or "END" in got:
                        break
        with cond:
            cond.wait_for(lambda: "PEAK" in got or "END" in got, 120)
        if "PEAK" not in got:
            raise RuntimeError("no figures")
    except Exception as e:
        raise SystemExit("bench cortex_m: busy run: %s %s; the board's last lines:\n%s"
                         % (e, err, "\n".join(got["log"][-15:])))
    finally:
        board.stop()
        sim.stop()
    return got


def rows():
    """Table rows (measure, value, note) for docs/benchmarks.md."""
    why = mcu.tools_missing()
    if why:
        return [("Cortex-M (QEMU) figures", "not measured", why)]
    frozen = code_heap_frozen()
    code32 = code_heap_unix(mcu.unix32(), "x86")
    code64 = code_heap_unix(micropython())
    fw, base = flash_sizes()
    g = busy_run()
    out = [
        ("Cortex-M: heap taken by driver + node code, frozen (QEMU MPS2-AN385)",
         "%d B" % frozen, "code in flash: only module objects take heap"),
        ("32-bit unix: heap taken by driver + node code as .mpy", "%d B" % code32,
         "64-bit unix, same modules: %d B" % code64),
        ("Cortex-M: flash added by the frozen project", "%d B" % (fw - base),
         "firmware %d B, without the project %d B" % (fw, base)),
        ("Cortex-M: working data during a busy run (heap in use after it - code)",
         "%d B" % (g["HEAP"] - g["CODE"]), "most in use before a collection: %d B" % g["PEAK"]),
    ]
    names = ("read one resource", "read an instance (6 parts)", "write", "execute")
    for i, k in enumerate(names):
        instr = g["BUSY"][i][0] * 1000
        ms80 = instr / MCU_HZ * 1000
        out.append(("Cortex-M: CPU per request, %s" % k, "%.2f M instructions" % (instr / 1e6),
                    "%.1f ms at 80 MHz = %.0f %% of the %.2f ms on the wire; %d wakes"
                    % (ms80, 100 * ms80 / WIRE_MS, WIRE_MS, g["BUSY"][i][1])))
    return out


if __name__ == "__main__":
    for r in rows():
        print("| %s | %s | %s |" % r)
