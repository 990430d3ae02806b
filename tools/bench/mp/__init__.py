"""MicroPython side of the benches in tools/bench/: these scripts run on the node's
MicroPython (the unix port, or the QEMU Cortex-M3 board through its raw REPL), never under
CPython. The CPython drivers read them with ``tools.bench.mp_script`` and send them."""
