"""The radio connection of the simulated BC66: when it is up, and what releases it.

Every uplink or downlink (registration, update, notification, answer, server request)
brings the RRC connection up; the network releases it `inactivity_s` module-seconds after
the last packet, unless release assistance says earlier (note 4.2.12 <rai_flag>: "1 TE will
send only 1 UL packet and no DL packets expected" -> released after that uplink; "2 ...
only 1 DL packet expected" -> released after the next downlink; 4.2.2 <rai_enable>:
"automatic update registration packet with RAI flag 2" -> released after the update's
answer). Deep sleep cannot start while the radio is connected, so RAI shortens the time
a duty cycle keeps the module awake: `sim.radio_s` (module-seconds connected in total) and
`sim.radio_releases` [(how, connected_s)] show it.
"""
import time


class Radio:
    def __init__(self, modem, inactivity_s=20.0):
        self.m = modem
        self.inactivity_s = inactivity_s
        self.connected = False
        self.since = None               # monotonic time it came up
        self.total_s = 0.0              # module-seconds connected, completed connections
        self.releases = []              # (how, connected module-seconds)
        self._timer = None
        self._after_dl = False          # RAI 2: release after the next downlink

    def _now_s(self):
        return time.monotonic() / self.m.sim.time_scale

    def connected_s(self):
        """Module-seconds connected so far (the current connection included)."""
        cur = self._now_s() - self.since / self.m.sim.time_scale if self.connected else 0.0
        return self.total_s + cur

    def uplink(self, rai=0):
        """The module sent a packet with <rai_flag> `rai` (0, 1 or 2)."""
        self._up()
        if rai == 1:
            self._arm(self.m.short_s, "RAI 1")
        else:
            self._after_dl = rai == 2
            self._arm(self.inactivity_s, "inactivity")

    def downlink(self):
        """The module received a packet (an ack, an answer, a server request)."""
        self._up()
        if self._after_dl:
            self._after_dl = False
            self._arm(self.m.short_s, "RAI 2")
        else:
            self._arm(self.inactivity_s, "inactivity")

    def drop(self, how):
        """Reboot, detach, deep sleep: the connection is gone at once."""
        if self.connected:
            self._release(how)

    def _up(self):
        if not self.connected:
            self.connected = True
            self.since = time.monotonic()
            self.m.sim.event("radio connected")

    def _arm(self, delay_s, how):
        if self._timer:
            self._timer.cancel()
        self._timer = self.m.sim.later(delay_s, lambda: self._release(how))

    def _release(self, how):
        if self._timer:
            self._timer.cancel()
            self._timer = None
        if not self.connected:
            return
        dur = (time.monotonic() - self.since) / self.m.sim.time_scale
        self.connected = False
        self._after_dl = False
        self.total_s += dur
        self.releases.append((how, dur))
        self.m.sim.event("radio released (%s) after %.3f s" % (how, dur))
