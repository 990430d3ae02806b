"""The simulated BC66 module: UART line handling, bring-up commands, boot, sleep and wake.

`Modem` is driven by the Simulator's I/O thread (bytes in via `feed`, timers via the
Simulator's scheduler) and by the control API; every entry point runs under `sim.lock`.
The LwM2M command set lives in `lwm2m.LwM2M`, mixed in here.
"""
import time

from .atparse import AtError, CmeError, E_VALUE, E_NPARAM, parse_command, to_int
from .lwm2m import LwM2M

BANNER = ["F1: 0000 0000", "V0: 0000 0000 [0001]", "00: 0000 0000",
          "U0: 0000 0001 [0000]", "T0: 0000 001E", "Leaving the BROM"]
MAX_LINE = 4096
LIGHT_AFTER_S = 1.0    # idle module-seconds before light sleep (without sleep_after_s)

# command name -> method; kinds are set/read/test/exec/basic
BASE_COMMANDS = {
    "": "c_at", "E": "c_echo", "I": "c_ati", "Z": "c_at", "V": "c_at", "&": "c_at",
    "+CMEE": "c_cmee", "+CGSN": "c_cgsn", "+CEREG": "c_cereg", "+CGPADDR": "c_cgpaddr",
    "+CSQ": "c_csq", "+CFUN": "c_cfun", "+QSCLK": "c_qsclk", "+CPIN": "c_cpin",
    "+CGATT": "c_cgatt", "+QRST": "c_qrst", "+CGMR": "c_cgmr", "+QATWAKEUP": "c_qatwakeup",
    "+CPSMS": "c_cpsms", "+CIMI": "c_cimi", "+QPOWD": "c_qpowd", "+CCLK": "c_cclk",
}


# 3GPP 24.008 GPRS timer units (bits 8-6 of the octet), seconds; None: deactivated
T3412_UNITS = {0: 600, 1: 3600, 2: 36000, 3: 2, 4: 30, 5: 60, 6: 1152000, 7: None}
T3324_UNITS = {0: 2, 1: 60, 2: 360, 7: None}


def _timer_s(bits, units):
    """"01000011" -> seconds (unit bits 8-6 times the value in bits 5-1); error 3 if bad."""
    if len(bits) != 8 or set(bits) - {"0", "1"} or int(bits[:3], 2) not in units:
        raise CmeError(E_VALUE)
    unit = units[int(bits[:3], 2)]
    return None if unit is None else unit * int(bits[3:], 2)


def frame(line):
    return b"\r\n" + line.encode() + b"\r\n"


class Modem(LwM2M):
    def __init__(self, sim, nv, imei="867997030052996", ip="100.88.40.249", rssi=24,
                 attach_s=0.2, echo=False, cmee=1, boot_s=0.05, latency_ms=0,
                 sleep_after_s=None, lose_first_after_wake=True, msgid_start=None):
        self.sim = sim
        self.nv = nv
        self.imei = imei
        self.ip = ip
        self._booted_at = time.monotonic()
        self.net_time = False  # the network gave the time (NITZ) since the last cold boot
        self.tz_quarters = 32  # the network's time zone: UTC+8, in quarter hours
        self.rssi = rssi
        self.attach_s = attach_s
        self.echo_default = echo
        self.cmee_default = cmee
        self.boot_s = boot_s
        self.latency_s = latency_ms / 1000.0
        self.sleep_after_s = sleep_after_s
        self.lose_first_after_wake = lose_first_after_wake
        self.commands = {}
        self.commands.update({k: getattr(self, v) for k, v in BASE_COMMANDS.items()})
        self.commands.update({k: getattr(self, v) for k, v in self.LW_COMMANDS.items()})
        self.powered = True        # VDD_EXT; off: no output, input ignored (sim.power_off)
        self.attached, self.stat, self.cfun, self._attach_h = False, 0, 0, None
        self.asleep = False
        self.sleep_start = None
        self.slept_total = 0.0
        self.sleeps = []           # module-seconds of each completed deep sleep
        self.light = False         # in light sleep (AT+QSCLK=2, or 1 with PSM disabled)
        self.light_since = None
        self.light_sleeps = []     # module-seconds of each completed light sleep
        self.psm_mode = 1          # AT+CPSMS <mode>
        self.t3412_s = self.t3324_s = None   # requested PSM timers (None: not set)
        self._t3412_h = None
        self._psm_bits = ("", "")
        self.boots = 0
        self.qsclk = 0
        self._sleep_h = None
        self._linebuf = bytearray()
        self._resp = []
        self._deferred = []
        self.radio = None          # radio.Radio, set by the Simulator
        self.lw_init(msgid_start)
        self._volatile_reset()

    def strict(self, name):
        """True when the reading `name` (readings.READINGS) is at its strict value."""
        return self.sim.readings[name]

    def error_line(self, code):
        """The final line for <err> `code`: ERROR with AT+CMEE=0, else the error_prefix
        reading's form."""
        if not self.cmee or code is None:
            return "ERROR"
        return ("+CMEE ERROR: %d" if self.strict("error_prefix") else "+CME ERROR: %d") % code

    # ---- output ----------------------------------------------------------------------
    def emit(self, line):
        self.sim._emit(frame(line))

    def emit_lines(self, lines):
        self.sim._emit(b"".join(frame(x) for x in lines))

    def defer(self, delay_s, item):
        """During a command: run item (a line or a callable) delay_s module-seconds after
        the response."""
        self._deferred.append((delay_s, item))

    def _run_item(self, item):
        if callable(item):
            item()
        else:
            self.emit(item)

    # ---- input -----------------------------------------------------------------------
    def feed(self, data):
        if not self.powered:
            self.sim.event("powered off: %d byte(s) ignored" % len(data))
            return
        if self.asleep:
            self.sim.event("asleep: %d byte(s) ignored" % len(data))
            return
        self.touch()
        if self.echo:
            self.sim._emit(data)
        for b in data:
            if b in (13, 10):
                if self._linebuf:
                    line = self._linebuf.decode("latin-1")
                    self._linebuf.clear()
                    self.handle_line(line)
                    if self.asleep:
                        return
            else:
                self._linebuf.append(b)
                if len(self._linebuf) > MAX_LINE:
                    self._linebuf.clear()
                    self.emit("ERROR")

    def handle_line(self, line):
        line = line.strip()
        if not line:
            return
        self.sim.commands.append(line)
        if self._lose_next:
            self._lose_next = False
            self.sim.event("first command after wake lost: %s" % line)
            return
        if line[:2] not in ("AT", "at"):      # 4.1.2: "The AT or at prefix"
            return
        rule = self.sim.faults.match_command(line)
        extra = 0.0
        if rule is not None:
            self.sim.event("fault %s on %s" % (rule.kind, line))
            if rule.kind == "reboot" and rule.kw["when"] == "before":
                self.sim.reboot(reason="fault before " + line)
                return
            if rule.kind == "error":
                code = rule.kw.get("code")
                self.emit(self.error_line(code))
                return
            if rule.kind == "delay":
                extra = rule.kw["ms"] / 1000.0
        self._resp = []
        self._deferred = []
        try:
            self.dispatch(line)
            final = "OK"
        except CmeError as e:
            final = self.error_line(e.code)
            if e.why:
                self.sim.event("refused %s: %s" % (line.split("=")[0], e.why))
            self._resp, self._deferred = [], []
        except AtError:
            final = "ERROR"
            self._resp, self._deferred = [], []
        lines = self._resp + [final]
        deferred = self._deferred
        self._resp, self._deferred = [], []
        data = b"".join(frame(x) for x in lines)
        if rule is not None and rule.kind == "omit":
            data = b""
        if rule is not None and rule.kind == "reboot":
            if rule.kw["when"] == "mid":
                self.sim._emit(data[:max(1, len(data) // 2)])
            else:
                self.sim._emit(data)
            self.sim.reboot(reason="fault %s %s" % (rule.kw["when"], line))
            return
        real = self.latency_s * self.sim.time_scale + extra
        gen = self.boots
        if real > 0:
            self.sim.later_real(real, lambda: gen == self.boots and self.sim._emit(data))
        elif data:
            self.sim._emit(data)
        for d, item in deferred:
            self._inflight += 1
            self.sim.later(d, self._deferred_runner(item, gen), real_offset=real)

    def _deferred_runner(self, item, gen):
        def run():
            if gen != self.boots:
                return
            self._inflight -= 1
            self._run_item(item)
        return run

    def dispatch(self, line):
        name, kind, args = parse_command(line)
        h = self.commands.get(name)
        if h is None:
            raise AtError()
        h(kind, args)

    # ---- bring-up commands -------------------------------------------------------------
    def c_at(self, kind, args):
        pass

    def c_echo(self, kind, args):
        v = args[0] if args and args[0] else "0"
        if v not in ("0", "1"):
            raise AtError()
        self.echo = v == "1"

    def c_ati(self, kind, args):
        self._resp += ["Quectel_Ltd", "Quectel_BC66", "Revision: BC66NBR01A10"]

    def c_cgmr(self, kind, args):
        self._resp += ["Revision: BC66NBR01A10"]

    def _simple(self, kind, args, name, value, lo, hi):
        if kind == "read":
            self._resp.append("+%s: %d" % (name, value))
            return None
        if kind == "test":
            self._resp.append("+%s: (%d-%d)" % (name, lo, hi))
            return None
        if kind != "set":
            raise AtError()
        if len(args) != 1:
            raise CmeError(E_NPARAM)
        return to_int(args[0], lo, hi)

    def c_cmee(self, kind, args):
        v = self._simple(kind, args, "CMEE", self.cmee, 0, 2)
        if v is not None:
            self.cmee = v

    def c_cgsn(self, kind, args):
        if kind == "exec":
            self._resp.append(self.imei)
        elif kind == "set":
            n = to_int(args[0], 0, 3)
            self._resp.append("+CGSN: %s" % (self.imei if n == 1 else "35" + self.imei[2:]))
        elif kind == "test":
            self._resp.append("+CGSN: (0-3)")
        else:
            raise AtError()

    def c_cclk(self, kind, args):
        # 3GPP 27.007 8.15 read: "yy/MM/dd,hh:mm:ss+zz", local time and its zone in
        # quarter hours, once the network gave the time; before that the unset clock
        # (1980, counting from the boot)
        if kind == "test":
            return
        if kind != "read":
            raise AtError()
        if self.net_time:
            z = self.tz_quarters
            t = time.gmtime(time.time() + z * 900)
            y = t.tm_year % 100
        else:
            z = 0
            t = time.gmtime(315964800 + int(time.monotonic() - self._booted_at))
            y = 80
        self._resp.append('+CCLK: "%02d/%02d/%02d,%02d:%02d:%02d%+03d"' % (
            y, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, z))

    def c_cimi(self, kind, args):
        self._resp.append("460001234567890")

    def c_cereg(self, kind, args):
        if kind == "read":
            self._resp.append("+CEREG: %d,%d" % (self.cereg_n, self.stat))
            return
        v = self._simple(kind, args, "CEREG", self.cereg_n, 0, 5)
        if v is not None:
            self.cereg_n = v

    def c_cgpaddr(self, kind, args):
        if kind == "test":
            self._resp.append("+CGPADDR: (1)")
            return
        if kind == "set" and (len(args) != 1 or to_int(args[0]) != 1):
            raise CmeError(E_VALUE)
        if self.attached:
            self._resp.append("+CGPADDR: 1,%s" % self.ip)

    def c_csq(self, kind, args):
        if kind == "test":
            self._resp.append("+CSQ: (0-31,99),(99)")
            return
        if kind != "exec":
            raise AtError()
        self._resp.append("+CSQ: %d,0" % self.rssi if self.attached else "+CSQ: 99,99")

    def c_cfun(self, kind, args):
        v = self._simple(kind, args, "CFUN", self.cfun, 0, 4)
        if v is None:
            return
        if v not in (0, 1, 4):
            raise CmeError(E_VALUE)
        if v == self.cfun:
            return
        self.cfun = v
        if v == 1:
            self._start_attach()
        else:
            self._detach()

    def c_qsclk(self, kind, args):
        v = self._simple(kind, args, "QSCLK", self.qsclk, 0, 2)
        if v is not None:
            self.qsclk = v
            self.touch()

    def c_cpin(self, kind, args):
        if kind != "read":
            raise AtError()
        self._resp.append("+CPIN: READY")

    def c_cgatt(self, kind, args):
        v = self._simple(kind, args, "CGATT", 1 if self.attached else 0, 0, 1)
        if v == 1 and not self.attached and not self._attach_h:
            self._start_attach()
        elif v == 0:
            self._detach()

    def c_qrst(self, kind, args):
        if kind != "set" or args != ["1"]:
            raise CmeError(E_VALUE)
        self.defer(0.01, lambda: self.sim.reboot(reason="AT+QRST=1"))

    def c_qpowd(self, kind, args):
        """AT+QPOWD=<n> (0 normal, 1 immediate): OK, then the module powers off; only a
        PWRKEY pulse turns it on again. Siblings print "NORMAL POWER DOWN" first; the BC66's
        line is unconfirmed, so none is sent (the firmware must not need one)."""
        if kind != "set" or len(args) != 1:
            raise CmeError(E_VALUE)
        to_int(args[0], 0, 1)
        self.defer(0.01, lambda: self.sim.power_off("AT+QPOWD=%s" % args[0]))

    def c_qatwakeup(self, kind, args):
        v = self._simple(kind, args, "QATWAKEUP", self.qatwakeup, 0, 1)
        if v is not None:
            self.qatwakeup = v

    def c_cpsms(self, kind, args):
        """AT+CPSMS=<mode>[,,,<T3412>,<T3324>] (3GPP 27.007; timers as 24.008 bit strings,
        bc66-facts.md): mode 0 disables deep sleep (PSM); T3324 is the active time before
        deep sleep (when no sleep_after_s is given), T3412 wakes the module from it."""
        if kind == "read":
            t = ""
            if self.t3412_s is not None or self.t3324_s is not None:
                t = ',,,"%s","%s"' % self._psm_bits
            self._resp.append("+CPSMS: %d%s" % (self.psm_mode, t))
            return
        if kind == "test":
            self._resp.append('+CPSMS: (0-2),,,("00000000"-"11111111"),("00000000"-"11111111")')
            return
        if kind != "set" or not 1 <= len(args) <= 5:
            raise CmeError(E_NPARAM if kind == "set" else E_VALUE)
        mode = to_int(args[0], 0, 2)
        bits = (str(args[3]) if len(args) > 3 else "", str(args[4]) if len(args) > 4 else "")
        t3412 = _timer_s(bits[0], T3412_UNITS) if bits[0] else None
        t3324 = _timer_s(bits[1], T3324_UNITS) if bits[1] else None
        self.psm_mode = 1 if mode == 1 else 0
        if mode == 2 or (bits[0] or bits[1]):
            self.t3412_s, self.t3324_s = t3412, t3324
            self._psm_bits = bits
        self.touch()

    # ---- network -----------------------------------------------------------------------
    def _start_attach(self):
        self.stat = 2
        self._attach_h = self.sim.later(self.attach_s, self._attach)

    def _attach(self):
        self._attach_h = None
        if self.cfun != 1:
            return
        self.attached = True
        self.net_time = True
        self.stat = 1
        if self.cereg_n:
            self.emit("+CEREG: 1")
        self.emit("+IP: %s" % self.ip)
        self.lw_attached()

    def _detach(self):
        if self._attach_h:
            self._attach_h.cancel()
            self._attach_h = None
        was = self.attached
        self.radio.drop("detached")
        self.attached = False
        self.stat = 0
        if was and self.cereg_n:
            self.emit("+CEREG: 0")
        self.lw_detached()

    # ---- boot, sleep, wake ---------------------------------------------------------------
    def _volatile_reset(self):
        self.echo = self.echo_default or self.strict("boot_echo")
        self.cmee = self.cmee_default
        self.cereg_n = 0
        self.qatwakeup = 0
        self._lose_next = False
        self._linebuf.clear()
        self._inflight = 0

    def boot(self, cold=True, reason="boot"):
        """(Re)boot the firmware: banner, then RDY/+CFUN/+CPIN and attach when cold."""
        self.boots += 1
        self.sim.event("%s (%s)" % ("cold boot" if cold else "warm boot", reason))
        if self.radio:
            self.radio.drop("reboot")
        if self.light:
            self._end_light("reboot")
        self._volatile_reset()
        self._sleep_h = None
        self.lw_boot(cold)
        self.emit_lines(BANNER)
        if cold:
            self.net_time = False
            self._booted_at = time.monotonic()
            self.qsclk = 0
            self.cfun = 1
            self.attached = False
            self.stat = 2
            self._attach_h = None
            gen = self.boots

            def ready():
                if gen == self.boots:
                    self.emit_lines(["RDY", "+CFUN: 1", "+CPIN: READY"])
                    self._start_attach()
            self.sim.later(self.boot_s, ready)
        else:
            self.emit("+CPIN: READY")
            if self.qatwakeup:
                self.emit("+QATWAKEUP")
        self.touch()

    def shut_down(self, reason):
        """Power off (the Simulator dropped the timers): silent until PWRKEY."""
        self.sim.event("powered off (%s)" % reason)
        self.radio.drop("power off")
        if self.light:
            self._end_light("power off")
        self.sim.network.forget("module powered off")
        self.state = 0
        self.attached = False
        self.stat = 0
        self._update_h = self._attach_h = self._sleep_h = None
        self._inflight = 0
        self._linebuf.clear()
        self.powered = False

    def touch(self):
        """UART activity: leave light sleep, restart the sleep countdown."""
        self._last_activity = time.monotonic()
        if self.light:
            self._end_light("UART")
        after = self._sleep_after()
        if after is not None and not self.asleep:
            if self._sleep_h is None:
                self._sleep_h = self.sim.later(after, self._sleep_check)
        elif self._sleep_h is not None:
            self._sleep_h.cancel()
            self._sleep_h = None

    def _deep_allowed(self):
        # bc66-facts.md: AT+QSCLK=1 "light and deep sleep", =2 "light sleep only"; deep
        # sleep is PSM, so AT+CPSMS=0 leaves light sleep only
        return self.qsclk == 1 and self.psm_mode == 1

    def _sleep_after(self):
        """Idle module-seconds before sleeping, None: never. sleep_after_s, else the
        T3324 active time of AT+CPSMS for deep sleep, LIGHT_AFTER_S for light sleep."""
        if self.qsclk not in (1, 2):
            return None
        if self.sleep_after_s is not None:
            return self.sleep_after_s
        return self.t3324_s if self._deep_allowed() else LIGHT_AFTER_S

    def _end_light(self, why):
        dur = (time.monotonic() - self.light_since) / self.sim.time_scale
        self.light = False
        self.light_sleeps.append(dur)
        self.sim.event("light sleep ended by %s after %.3f s" % (why, dur))

    def busy(self):
        return (self._inflight > 0 or self.lw_busy() or bool(self._linebuf)
                or self.sim.network.has_pending() or self.radio.connected)

    def _sleep_check(self):
        self._sleep_h = None
        after = self._sleep_after()
        if self.asleep or self.light or after is None:
            return
        idle = (time.monotonic() - self._last_activity) / self.sim.time_scale
        if idle + 1e-6 < after or self.busy():
            wait = max(after - idle, after / 10, 0.01)
            self._sleep_h = self.sim.later(wait, self._sleep_check)
            return
        if self._deep_allowed():
            self.enter_sleep()
        else:
            self.light = True                 # the UART wakes it; nothing is lost
            self.light_since = time.monotonic()
            self.sim.event("light sleep")

    def enter_sleep(self):
        self.radio.drop("deep sleep")
        if self.light:
            self._end_light("deep sleep")
        if self.t3412_s:          # the periodic TAU timer wakes the module (bc66-facts.md)
            self._t3412_h = self.sim.later(self.t3412_s, lambda: self.wake("T3412"))
        self.asleep = True
        self.sleep_start = time.monotonic()
        self._linebuf.clear()
        self.sim.event("deep sleep")

    def current_sleep_s(self):
        if not self.asleep:
            return 0.0
        return (time.monotonic() - self.sleep_start) / self.sim.time_scale

    def wake(self, reason="PSM_EINT"):
        """Leave deep sleep: the firmware reboots (banner), the context may need recovery."""
        if not self.asleep:
            return False
        dur = self.current_sleep_s()
        if self._t3412_h:
            self._t3412_h.cancel()
            self._t3412_h = None
        self.asleep = False
        self.slept_total += dur
        self.sleeps.append(dur)
        self.sim.event("wake by %s after %.3f s" % (reason, dur))
        self.boot(cold=False, reason="wake by " + reason)
        self._lose_next = self.lose_first_after_wake
        self.lw_woke()
        return True
