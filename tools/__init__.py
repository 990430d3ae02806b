"""Tools run on the PC, all under CPython (what runs on MicroPython is lib/, firmware/,
boards/ and the scripts of tools/bench/mp/). One package per purpose:

- ``tools/bc66sim/``: the simulated BC66 and its LwM2M server (``make sim``); it never
  imports lib/ (our reading of the application note, not the driver's).
- ``tools/board/``: build and run the firmware: mpy-cross and the vendored MicroPython
  (build_mpy, vendor, mcu, the QEMU port's sources in qemu_port/), the QEMU Cortex-M3
  board (qemu), the unix port as a node process, a duty-cycle supervisor and a pretend
  board for mpremote (nodeproc, supervisor, pretendboard), and a real board (deploy,
  rawrepl: ``make deploy`` / ``make run``).
- ``tools/demo/``: ``make demo`` (``python -m tools.demo``) against the simulator's server
  (local) or a real one (server), sharing one session (session).
- ``tools/bench/``: ``make bench`` (``python -m tools.bench``), CPython drivers; their
  MicroPython-side scripts in ``tools/bench/mp/``.
- The commands a user runs beside a node, kept short: ``python -m tools.energy`` (battery
  life), ``python -m tools.package`` and ``python -m tools.swpush`` (an update through LwM2M
  object 9), ``python -m tools.wakaama`` (Eclipse Wakaama's lwm2mserver, built from
  ../shared/vendor; the demo's ``SERVER=wakaama`` and swpush drive it).

Imports go one way, down: demo and bench use these commands, board and bc66sim; the commands
use board; board uses no other package (only supervisor's command line starts the
simulator); bc66sim imports no other tools.
"""
