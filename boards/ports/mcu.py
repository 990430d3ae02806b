"""What the MCU ports (esp32, stm32) share: the description's hardware fields checked as
data, the module's UART and GPIO control lines, memory kept through deep sleep, and
``machine``'s sleeps and resets (the same calls on both ports)."""
from boards.base import Board as _Base, BoardError

LINES = ("tx", "rx", "pwrkey", "reset", "psm_eint", "vdd_ext", "led")
# PWRKEY/RESET widths from ../shared/docs/bc66-facts.md ("Pins"); PSM_EINT: BC65 >= 100 ms
PULSE_RANGE = {"pwrkey": (500, 1000), "reset": (100, 500), "psm_eint": (100, 1000)}
MAX_SLEEP_MS = 2147483647  # machine.deepsleep(ms) takes a machine word on 32-bit ports
KEEP = ("rtc", "backup", "file")


def check(b, machine_name, need):
    """Check an MCU description's hardware fields; ``need(b, field, ok, msg)`` raises."""
    if machine_name is not None:
        need(b, "machine", b.get("machine", "") in machine_name,
             "this description is for %r, but this board is %r" % (b.get("machine"), machine_name))
    uarts = b.get("uarts")
    need(b, "uarts", isinstance(uarts, (list, tuple)) and uarts, "must list the chip's UART ids")
    u = b.get("uart")
    need(b, "uart", u in uarts, "UART(%r) does not exist on this chip (UART ids: %s)"
         % (u, ", ".join(str(x) for x in uarts)))
    need(b, "uart", u != b.get("repl_uart"),
         "UART(%r) is this board's REPL UART: the port hands back the REPL's static object "
         "(its rxbuf cannot change, and the REPL would share the BC66's line)" % u)
    seen = {}
    reserved = b.get("reserved") or {}
    for f in LINES:
        p = b.get(f)
        if p is None:
            need(b, f, f in ("vdd_ext", "led"), "required (a pin name or number)")
            continue
        need(b, f, isinstance(p, (int, str)), "must be a pin name or number")
        need(b, f, p not in reserved, "%r is used by %s" % (p, reserved.get(p)))
        need(b, f, p not in seen, "%r is already %s" % (p, seen.get(p)))
        seen[p] = f
    for f in b.get("inverted", ()):
        need(b, "inverted", f in ("pwrkey", "reset", "psm_eint"), "%r is not a control line" % f)
    pulse = b.get("pulse_ms") or {}
    for f, (lo, hi) in PULSE_RANGE.items():
        ms = pulse.get(f)
        need(b, "pulse_ms." + f, isinstance(ms, int) and lo <= ms <= hi,
             "must be %d..%d ms (the module's timing)" % (lo, hi))
    need(b, "keep", b.get("keep") in KEEP, "must be one of %s" % ", ".join(KEEP))
    ms = b.get("max_sleep_ms")
    need(b, "max_sleep_ms", isinstance(ms, int) and 1000 <= ms <= MAX_SLEEP_MS,
         "must be 1000..%d (one machine.deepsleep)" % MAX_SLEEP_MS)
    v = b.get("vbat_adc")
    if v is not None:
        need(b, "vbat_adc", isinstance(v, (int, str)), "must be a pin name or number, or None")
        need(b, "vbat_adc", v not in reserved, "%r is used by %s" % (v, reserved.get(v)))
        need(b, "vbat_adc", v not in seen, "%r is already %s" % (v, seen.get(v)))
        r = b.get("vbat_ratio")
        need(b, "vbat_ratio", isinstance(r, (int, float)) and 1 <= r <= 100,
             "must be the divider's ratio, 1..100 (battery volts per volt at the pin)")
    need(b, "mcu_temperature", b.get("mcu_temperature", False) in (True, False),
         "must be true or false (the port reads the die temperature)")


class Mcu(_Base):
    """An MCU board from its description; the port's adapter adds what differs."""

    HAS_DEEPSLEEP = True
    HAS_LIGHTSLEEP = True
    HAS_RESET = True
    UART_PINS = False  # the port's UART takes tx=/rx= (esp32); stm32 pins are fixed

    def __init__(self, desc):
        super().__init__(desc)
        self.MAX_SLEEP_MS = desc["max_sleep_ms"]
        self.VBAT_ADC = desc.get("vbat_adc")
        self.VBAT_RATIO = desc.get("vbat_ratio")
        self.HAS_MCU_TEMPERATURE = desc.get("mcu_temperature", False)

    def _err(self, field, e):
        return BoardError(self.NAME, field, "%s: %s" % (type(e).__name__, e))

    def open_port(self, dev=None, baud=None):
        """Open the BC66's UART as a bc66 Port (``dev`` is ignored: the UART is the
        description's). The port's own errors come back naming the field."""
        from machine import UART
        from bc66 import transport
        d = self.desc
        baud = baud or self.BAUD
        kw = {"rxbuf": 2048, "timeout": 0}  # rxbuf: the pump may wait for a line's rest
        if self.UART_PINS:
            kw["tx"] = d["tx"]
            kw["rx"] = d["rx"]
        try:
            u = UART(d["uart"], baud, **kw)
        except (ValueError, TypeError, OSError) as e:
            raise self._err("uart", e)
        return transport.open_uart(u, baud)

    def Pins(self, path=None):
        """The module's control lines (PWRKEY, RESET, PSM_EINT, VDD_EXT, LED)."""
        from boards.gpio import GpioPins
        try:
            return GpioPins(self.desc)
        except (ValueError, TypeError) as e:
            raise self._err(getattr(e, "field", "pins"), e)

    def rtc(self):
        """``keep`` "rtc": ``machine.RTC()`` (its ``memory``); "backup": the backup memory
        (``machine.mem_backup``, where the firmware has it); "file": None."""
        import machine
        keep = self.desc["keep"]
        if keep == "rtc":
            return machine.RTC()
        if keep == "backup" and hasattr(machine, "mem_backup"):  # the firmware has it
            from boards.gpio import BackupMemory
            return BackupMemory(machine.mem_backup(), self.desc.get("backup_skip", 0))
        return None

    def woke_from_sleep(self):
        import machine
        return machine.reset_cause() == machine.DEEPSLEEP_RESET

    def deepsleep(self, ms):
        """``machine.deepsleep(ms)`` (<= MAX_SLEEP_MS); does not return."""
        import machine
        if not 0 <= ms <= self.MAX_SLEEP_MS:
            raise ValueError("deepsleep %d ms: one sleep is 0..%d" % (ms, self.MAX_SLEEP_MS))
        machine.deepsleep(ms)

    def lightsleep(self, ms):
        """``machine.lightsleep(ms)``: esp32 light sleep (timer wake), stm32 stop mode
        (RTC wake-up; ``pyb.stop``)."""
        import machine
        machine.lightsleep(ms)

    def reset(self):
        """``machine.reset()``; does not return."""
        import machine
        machine.reset()
