# What the code costs in RAM, as figures that are the same wherever the repository is cloned:
# gc.mem_alloc() after a collection, before and after importing a layer (its code, tables
# and module objects; .mpy from build/mpy, module names relative to the repository).
# Measured on the 64-bit unix port, MicroPython 1.29 (this test's printed line; a 32-bit
# MCU needs about 60% of it, frozen code only its module objects: docs/benchmarks.md):
#   driver (bc66 modem, urc)                                 49120 B
#   node library (lwm2m node, objects, ipso, config, store,
#                 backoff, power), on top of the driver         71872 B
#   application (firmware app, sensors), on top of both         19200 B
#     (main at 8801552: 48224 / 68320 / 10624 B, the node already past its 64 KB; the
#     sensor plug-ins add 0.9 KB (modem.clock), 3.5 KB (ipso.TYPES, the 3200 shape,
#     config's sensors) and 8.6 KB (sensors.py: 2.2 KB frozen on the QEMU board,
#     mpt_sensors.test_0_heap_cost))
#   (issue 20, the sealed driver: bc66.sched, the one module on asyncio's internals, with
#     its fallback, 1.9 KB, and URC listeners: driver 51328 B, so its budget is now 52 KB)
#   (issue 21, driver side: typed answer parsers, resent answers, byte <len>, stray bytes
#     before a URC: +1.5 KB, driver 52992 B, so its budget is now 54 KB)
#   (this session's node and app work, measured together at 04a9ec4: node 78048 B (+9.7
#     KB over 8801552: sensor types, facts read twice, task back-off with decay, module
#     power-on/obey, the lean wake's resume and compact config), app 22688 B (one shutdown
#     path, health counters' totals); budgets now 80 KB and 24 KB. Frozen on the Cortex-M3
#     only module objects take heap: make bench's smallest-heap row is the figure to watch)
#   (issue 20, the request machine and bc66.native, measured at 8bc4dc7: driver 56672 B:
#     BC66.answer with its resend state, the engine's outbox, the readable errors, and the
#     viper loops' machine code, which a .mpy loads into the heap on the unix port (frozen
#     on an MCU it stays in flash); the node 79296 B, the app 23104 B. Driver budget 58 KB)
# Each budget below is the measured figure plus 2-74% headroom:
# growth past it is a regression to look at (or a new figure to state here), not noise.
import gc

DRIVER = ("bc66.modem", "bc66.urc")
NODE = ("lwm2m.node", "lwm2m.objects", "lwm2m.ipso", "lwm2m.config", "lwm2m.store",
        "lwm2m.backoff", "lwm2m.power")
APP = ("app", "sensors")


def cost(mods):
    gc.collect()
    a = gc.mem_alloc()
    for m in mods:
        __import__(m)
    gc.collect()
    return gc.mem_alloc() - a


def test_footprints():
    # one test, in this order: each layer is measured on top of the ones below it
    got = (cost(DRIVER), cost(NODE), cost(APP))
    print("import footprint driver %d B, node %d B, app %d B" % got)
    budget = (58 * 1024, 80 * 1024, 24 * 1024)
    assert got[0] <= budget[0] and got[1] <= budget[1] and got[2] <= budget[2], (got, budget)
    assert got[0] > 0 and got[1] > 0 and got[2] > 0, got  # really imported here, not before
