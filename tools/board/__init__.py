"""Build the firmware and run it on a board, all from CPython on the PC.

- build_mpy: lib/, firmware/, boards/ compiled with mpy-cross into build/mpy;
- vendor: where the vendored sources are (../shared/vendor) and how tests treat their absence;
- mcu: MicroPython built from them: mpy-cross, the QEMU Cortex-M3 firmware with the project
  frozen (its port files in qemu_port/, MicroPython manifests and C), a 32-bit unix port;
- qemu: the node on that QEMU board (``python -m tools.board.qemu``, ``make qemu``);
- nodeproc: firmware/main.py on the unix port (or the QEMU board) as a child process;
- supervisor: the unix port's stand-in for deep sleep, the firmware run cycle after cycle;
- pretendboard: the unix port on a pty that mpremote drives as a board (``make pretend``);
- deploy, rawrepl: a real board through mpremote (``make deploy``, ``make run``, ``make size``).
"""
