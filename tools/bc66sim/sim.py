"""The Simulator: owns the modem, the scheduler, the I/O thread and the control API."""
import heapq
import itertools
import os
import select
import threading
import time

from .faults import Faults
from .modem import Modem
from .nvram import NVRAM
from .radio import Radio
from .readings import resolve
from .server import Server
from .transcript import Transcript
from .transport import PtyTransport, TcpTransport


class Timer:
    __slots__ = ("due", "seq", "fn", "cancelled")

    def __init__(self, due, seq, fn):
        self.due, self.seq, self.fn, self.cancelled = due, seq, fn, False

    def __lt__(self, other):
        return (self.due, self.seq) < (other.due, other.seq)

    def cancel(self):
        self.cancelled = True


class Simulator:
    def __init__(self, nvram=None, transcript=None, attach_s=0.2, time_scale=1.0, seed=0,
                 sleep_after_s=None, latency_ms=0, echo=False, baud=None,
                 imei="867997030052996", ip="100.88.40.249", rssi=24,
                 response_timeout_s=5.0, lose_first_after_wake=True, msgid_start=None,
                 cmee=1, boot_s=0.05, tmobile=False, readings="strict", coap=False,
                 rrc_inactivity_s=20.0, off=False):
        self.readings = resolve(readings)
        self.time_scale = float(time_scale)
        self.seed = seed
        self.baud = baud
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self._timers = []
        self._seq = itertools.count()
        self.nvram = NVRAM(nvram)
        self.transcript = Transcript(transcript)
        self.faults = Faults(self, seed)
        self.server = Server(self, response_timeout_s)
        self.network = self.server      # the seam (network.py): in-process model by default
        if coap:                        # or a real LwM2M 1.0 client over CoAP/UDP
            from .coapclient import CoapLink
            self.network = CoapLink(self)
        self.notifications = []
        self.commands = []
        self.update_count = 0
        self.reg_attempts = []     # (server "bootstrap"/"lwm2m", ok) per registration attempt
        self.reboots = 0
        self.off_at_start = off    # --off: powered off until a PWRKEY pulse
        self.power_ons = 0         # PWRKEY pulses that powered the module on
        self.power_offs = 0        # AT+QPOWD power-downs
        self.modem = Modem(self, self.nvram, imei=imei, ip=ip, rssi=rssi, attach_s=attach_s,
                           echo=echo, cmee=cmee, boot_s=boot_s, latency_ms=latency_ms,
                           sleep_after_s=sleep_after_s,
                           lose_first_after_wake=lose_first_after_wake,
                           msgid_start=msgid_start)
        self.modem.tmobile_usim = tmobile
        self.modem.radio = Radio(self.modem, rrc_inactivity_s)
        self._out = bytearray()
        self._hold_until = 0.0
        self._pace_until = 0.0
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._thread = None
        self._running = False
        self._stopped = False
        self.transport = None
        self.device = None
        self.tcp_port = None

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self, tcp_port=None):
        """Open the pty (or a TCP listener on 127.0.0.1:tcp_port, 0 = any) and power on."""
        if tcp_port is None:
            self.transport = PtyTransport()
        else:
            self.transport = TcpTransport(tcp_port)
            self.tcp_port = self.transport.port
        self.device = self.transport.device
        self._running = True
        if self.network is not self.server:
            self.network.start()
        self._thread = threading.Thread(target=self._loop, name="bc66sim", daemon=True)
        self._thread.start()
        with self.lock:
            if self.off_at_start:
                self.modem.powered = False
                self.event("powered off: PWRKEY turns it on")
            else:
                self.modem.boot(cold=True, reason="power on")
        return self

    def watch_pins(self, path):
        """Act on the control lines the firmware writes to ``path`` (see pins.py)."""
        from .pins import PinWatcher
        self.pins = PinWatcher(self, path)
        return self.pins

    def stop(self):
        if self._stopped:
            return
        self._stopped = True
        if getattr(self, "pins", None):
            self.pins.stop()
        self._running = False
        self._kick()
        if self._thread:
            self._thread.join(2)
        if self.network is not self.server:
            self.network.stop()
        if self.transport:
            self.transport.close()
        self.transcript.close()
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self):
        return self if self._running else self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- scheduler ---------------------------------------------------------------------
    def later(self, module_s, fn, real_offset=0.0):
        """Run fn (under the lock, in the I/O thread) after module_s module-seconds."""
        return self.later_real(module_s * self.time_scale + real_offset, fn)

    def later_real(self, real_s, fn):
        t = Timer(time.monotonic() + max(0.0, real_s), next(self._seq), fn)
        with self.lock:
            heapq.heappush(self._timers, t)
        self._kick()
        return t

    def _kick(self):
        try:
            os.write(self._wake_w, b"!")
        except (BlockingIOError, OSError):
            pass

    def _run_timers(self):
        with self.lock:
            now = time.monotonic()
            while self._timers and self._timers[0].due <= now:
                t = heapq.heappop(self._timers)
                if not t.cancelled:
                    t.fn()
            self.cond.notify_all()
            return self._timers[0].due if self._timers else None

    # ---- I/O -----------------------------------------------------------------------------
    def _emit(self, data):
        """Module -> MCU bytes (faults applied, transcript written, sleep timer touched)."""
        with self.lock:
            data = self.faults.apply_bytes(bytes(data), "out")
            if not data:
                return
            self.transcript.data("<", data)
            self._out += data
            if len(self._out) > 1 << 20:
                del self._out[:len(self._out) - (1 << 20)]
            self.modem.touch()
        self._kick()

    def event(self, text):
        self.transcript.event(text)

    def _loop(self):
        while self._running:
            nxt = self._run_timers()
            now = time.monotonic()
            timeout = 0.5 if nxt is None else min(0.5, max(0.0, nxt - now))
            wfd = None
            with self.lock:
                if self._out:
                    gate = max(self._hold_until, self._pace_until)
                    if gate > now:
                        timeout = min(timeout, gate - now)
                    else:
                        wfd = self.transport.write_fd()
                        if wfd is None:       # TCP without a client: the bytes are lost
                            self._out.clear()
            rl = [self._wake_r] + self.transport.read_fds()
            try:
                r, w, _ = select.select(rl, [wfd] if wfd is not None else [], [], timeout)
            except (OSError, ValueError):
                if not self._running:
                    break
                continue
            if self._wake_r in r:
                try:
                    os.read(self._wake_r, 4096)
                except OSError:
                    pass
            for fd in r:
                if fd is self._wake_r:
                    continue
                data = self.transport.on_readable(fd)
                if data:
                    with self.lock:
                        data = self.faults.apply_bytes(data, "in")
                        self.transcript.data(">", data)
                        self.modem.feed(data)
            if w:
                self._write_some()

    def _write_some(self):
        with self.lock:
            chunk = bytes(self._out[:4096])
            if self.baud:
                chunk = chunk[:max(1, self.baud // 10 // 50)]
            cut, gap = self.faults.split_point(len(chunk))
            if cut:
                chunk = chunk[:cut]
            n = self.transport.write(chunk)
            del self._out[:n]
            now = time.monotonic()
            if cut and n == len(chunk):
                self._hold_until = now + gap
            if self.baud and n:
                self._pace_until = now + n * 10.0 / self.baud

    # ---- control API ---------------------------------------------------------------------
    @property
    def status(self):
        """The AT+QLWSTATUS? value (0..7)."""
        return self.modem.state

    @property
    def asleep(self):
        return self.modem.asleep

    @property
    def slept_s(self):
        """Module-seconds spent in deep sleep so far (the current sleep included)."""
        with self.lock:
            return self.modem.slept_total + self.modem.current_sleep_s()

    @property
    def last_sleep_s(self):
        """Length of the last completed deep sleep (module-seconds), None if none yet."""
        return self.modem.sleeps[-1] if self.modem.sleeps else None

    @property
    def sleeps(self):
        return list(self.modem.sleeps)

    @property
    def light_asleep(self):
        """In light sleep (AT+QSCLK=2, or 1 with AT+CPSMS=0): the UART wakes it."""
        return self.modem.light

    @property
    def light_sleeps(self):
        """Module-seconds of each completed light sleep."""
        return list(self.modem.light_sleeps)

    @property
    def radio_connected(self):
        """The RRC connection is up (deep sleep waits for its release)."""
        return self.modem.radio.connected

    @property
    def radio_s(self):
        """Module-seconds the radio was connected in total (the current connection too)."""
        with self.lock:
            return self.modem.radio.connected_s()

    @property
    def radio_releases(self):
        """[(how, connected module-seconds)]: how is "RAI 1", "RAI 2", "inactivity", ..."""
        return list(self.modem.radio.releases)

    @property
    def attached(self):
        return self.modem.attached

    def wake(self, reason="PSM_EINT"):
        """A falling edge on PSM_EINT: wake from deep sleep (False if it was awake)."""
        with self.lock:
            return self.modem.wake(reason)

    def sleep_now(self):
        """Put the module into deep sleep immediately (whatever QSCLK says)."""
        with self.lock:
            if not self.modem.asleep:
                self.modem.enter_sleep()

    def reboot(self, reason="reset"):
        """Reset the module: every timer is dropped, the banner is printed, NVRAM kept.
        A powered-off module ignores it."""
        with self.lock:
            if not self.modem.powered:
                self.event("%s while powered off: ignored" % reason)
                return
            self.reboots += 1
            m = self.modem
            self._lose_ram(m)
            m.boot(cold=True, reason=reason)

    def _lose_ram(self, m):
        # what a reset and a power-off share (lock held): a deep sleep ends where it is
        # (its time counted), every timer is dropped
        if m.asleep:
            d = m.current_sleep_s()
            m.slept_total += d
            m.sleeps.append(d)
            m.asleep = False
        for t in self._timers:
            t.cancel()
        self._timers = []

    def power_cycle(self):
        """Power off and on: like reboot (RAM lost, NVRAM kept)."""
        self.reboot(reason="power cycle")

    @property
    def powered(self):
        """VDD_EXT: True while the module is on (the pins watcher mirrors it to a file)."""
        return self.modem.powered

    def pwrkey(self):
        """A PWRKEY pulse: powers an off module on (cold boot), wakes a deep-sleeping one
        (bc66-facts.md "Sleep"); on and awake, the BC66 ignores it. -> what it did."""
        with self.lock:
            m = self.modem
            if not m.powered:
                self.power_ons += 1
                m.powered = True
                m.boot(cold=True, reason="PWRKEY")
                return "on"
            if m.asleep:
                m.wake("PWRKEY")
                return "wake"
            self.event("PWRKEY while on: ignored")
            return None

    def power_off(self, reason="AT+QPOWD"):
        """Power the module off (AT+QPOWD, or a brown-out in tests): every timer dropped,
        RAM lost, NVRAM kept; silent, VDD_EXT low, until a PWRKEY pulse."""
        with self.lock:
            m = self.modem
            if not m.powered:
                return
            self.power_offs += 1
            self._lose_ram(m)
            m.shut_down(reason)

    def set_next_msgid(self, msgid):
        with self.lock:
            self.modem._msgid = msgid & 0xFFFF

    def modem_call(self, name, *args):
        with self.lock:
            return getattr(self.modem, name)(*args)

    def wait_for(self, predicate, timeout=5.0):
        """Wait (real seconds) until predicate() is true; returns its value or raises
        TimeoutError."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                v = predicate()
                if v:
                    return v
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("condition not met within %.3f s" % timeout)
                self.cond.wait(min(left, 0.01))

    def wait_status(self, status, timeout=5.0):
        return self.wait_for(lambda: self.modem.state == status, timeout)

    @property
    def nvram_data(self):
        return self.nvram.data
