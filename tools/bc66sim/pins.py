"""The module's control lines on the unix port: a file the firmware appends words to.

The firmware's ``boards/ports/unix.py`` ``Pins.pulse(name, ms)`` appends ``PSM_EINT``, ``RESET``
or ``PWRKEY`` as a line; the watcher turns each new line into the matching simulator event:
a falling edge on PSM_EINT wakes the module, RESET reboots it, PWRKEY powers an off module
on (or wakes a deep-sleeping one). The other way, VDD_EXT: the watcher keeps
``<path>.vdd_ext`` holding "1" while the module is powered, "0" while it is off (replaced
whole, so a reader never sees half a write); the unix board's ``Pins.powered()`` reads it.
"""
import os
import threading

ACTIONS = {
    "PSM_EINT": lambda sim: sim.wake("PSM_EINT"),
    "RESET": lambda sim: sim.reboot("RESET pin"),
    "PWRKEY": lambda sim: sim.pwrkey(),
}


class PinWatcher:
    """Poll ``path`` every ``period_s`` for new words; ``pulses`` counts them by name."""

    def __init__(self, sim, path, period_s=0.01):
        self.sim = sim
        self.path = path
        self.period_s = period_s
        self.pulses = {k: 0 for k in ACTIONS}
        self._pos = 0
        self._stop = threading.Event()
        open(path, "a").close()
        self._pos = os.path.getsize(path)
        self.vdd_path = path + ".vdd_ext"
        self._vdd = None
        self.mirror_vdd()
        self._thread = threading.Thread(target=self._run, name="bc66sim-pins", daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(self.period_s):
            self.poll()
            self.mirror_vdd()

    def mirror_vdd(self):
        """Write ``<path>.vdd_ext`` when the module's power changed."""
        v = bool(self.sim.powered)
        if v == self._vdd:
            return
        tmp = self.vdd_path + ".tmp"
        with open(tmp, "w") as f:
            f.write("1\n" if v else "0\n")
        os.replace(tmp, self.vdd_path)
        self._vdd = v

    def poll(self):
        """Act on every complete line appended since the last poll."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self._pos)
                data = f.read()
        except OSError:
            return
        end = data.rfind(b"\n") + 1
        self._pos += end
        for word in data[:end].decode("ascii", "replace").split():
            act = ACTIONS.get(word)
            if act is not None:
                self.pulses[word] += 1
                self.sim.event("pin %s pulsed" % word)
                act(self.sim)

    def stop(self):
        self._stop.set()
        self._thread.join(1)
