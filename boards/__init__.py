"""Boards: each variant is a description (a dict of data), checked at start.

``boards.load()`` returns this MCU's board: the description deployed as ``board.py``
(``make deploy BOARD=<variant>``), else the variant named by ``boards.select(name)`` or
``load(name)``, else the default variant for ``sys.platform``. A module without a
``BOARD`` dict (``unix``, and any board written as code) is returned as it is.

A description (see ``boards/esp32_devkitc.py`` for a complete one) names, for one board:
``port`` ("esp32"/"stm32"), ``machine`` (a part of ``os.uname().machine``), ``uart`` and
``uarts`` (the chip's UART ids), ``repl_uart`` (the port's static REPL UART, or None),
``tx``/``rx``/``pwrkey``/``reset``/``psm_eint`` (pin names as the port's ``machine.Pin``
takes them), optional ``vdd_ext`` (input) and ``led`` (output), ``inverted`` (lines driven
through an NPN stage), ``reserved`` (pin -> what uses it), ``pulse_ms``, ``keep`` (what
survives deep sleep: "rtc", "backup" or "file"), ``max_sleep_ms`` (longest single
``machine.deepsleep``), ``config`` and ``state_dir``; ``vbat_adc`` (the ADC pin of a
battery divider, None where the board has none) with ``vbat_ratio`` (battery volts per
volt at the pin, e.g. 2 for two equal resistors): the "battery" sensor source. Errors name the variant and field.
"""
import sys

LINES = ("tx", "rx", "pwrkey", "reset", "psm_eint", "vdd_ext", "led")
# PWRKEY/RESET widths from ../shared/docs/bc66-facts.md ("Pins"); PSM_EINT: BC65 >= 100 ms
PULSE_RANGE = {"pwrkey": (500, 1000), "reset": (100, 500), "psm_eint": (100, 1000)}
MAX_SLEEP_MS = 2147483647  # machine.deepsleep(ms) takes a machine word on 32-bit ports
KEEP = ("rtc", "backup", "file")
DEFAULT = {"esp32": "esp32_devkitc", "pyboard": "pyboard_v11", "linux": "unix",
           "darwin": "unix"}
_selected = None


class BoardError(ValueError):
    """A board description that cannot work on this board."""

    def __init__(self, board, field, msg):
        super().__init__("board %s: %s: %s" % (board, field, msg))
        self.field = field


def select(name):
    """Use variant ``name`` from now on (``make run`` does, before the app starts)."""
    global _selected
    _selected = name


def load(name=None, machine_name=None):
    """The board: a checked ``Board`` for a description, else the board module itself."""
    mod = None
    name = name or _selected
    if name is None:
        try:
            import board as mod  # the description ``make deploy`` put on the device
        except ImportError:
            name = DEFAULT.get(sys.platform, sys.platform)
    if mod is None:
        mod = __import__("boards." + name, None, None, ("BOARD",))
    desc = getattr(mod, "BOARD", None)
    if desc is None:
        return mod
    return Board(desc, machine_name)


def _need(b, field, ok, msg):
    if not ok:
        raise BoardError(b.get("name", "?"), field, msg)


def check(b, machine_name=None):
    """Check description ``b`` as data (no hardware touched); raises BoardError.

    ``machine_name`` (``os.uname().machine`` on a board) must contain ``b["machine"]``."""
    name = b.get("name")
    _need(b, "name", isinstance(name, str) and name, "must be a non-empty string")
    _need(b, "port", b.get("port") in ("esp32", "stm32"), "must be \"esp32\" or \"stm32\"")
    if machine_name is not None:
        _need(b, "machine", b.get("machine", "") in machine_name,
              "this description is for %r, but this board is %r" % (b.get("machine"), machine_name))
    uarts = b.get("uarts")
    _need(b, "uarts", isinstance(uarts, (list, tuple)) and uarts, "must list the chip's UART ids")
    u = b.get("uart")
    _need(b, "uart", u in uarts, "UART(%r) does not exist on this chip (UART ids: %s)"
          % (u, ", ".join(str(x) for x in uarts)))
    _need(b, "uart", u != b.get("repl_uart"),
          "UART(%r) is this board's REPL UART: the port hands back the REPL's static object "
          "(its rxbuf cannot change, and the REPL would share the BC66's line)" % u)
    seen = {}
    reserved = b.get("reserved") or {}
    for f in LINES:
        p = b.get(f)
        if p is None:
            _need(b, f, f in ("vdd_ext", "led"), "required (a pin name or number)")
            continue
        _need(b, f, isinstance(p, (int, str)), "must be a pin name or number")
        _need(b, f, p not in reserved, "%r is used by %s" % (p, reserved.get(p)))
        _need(b, f, p not in seen, "%r is already %s" % (p, seen.get(p)))
        seen[p] = f
    for f in b.get("inverted", ()):
        _need(b, "inverted", f in ("pwrkey", "reset", "psm_eint"), "%r is not a control line" % f)
    pulse = b.get("pulse_ms") or {}
    for f, (lo, hi) in PULSE_RANGE.items():
        ms = pulse.get(f)
        _need(b, "pulse_ms." + f, isinstance(ms, int) and lo <= ms <= hi,
              "must be %d..%d ms (the module's timing)" % (lo, hi))
    _need(b, "keep", b.get("keep") in KEEP, "must be one of %s" % ", ".join(KEEP))
    ms = b.get("max_sleep_ms")
    _need(b, "max_sleep_ms", isinstance(ms, int) and 1000 <= ms <= MAX_SLEEP_MS,
          "must be 1000..%d (one machine.deepsleep)" % MAX_SLEEP_MS)
    v = b.get("vbat_adc")
    if v is not None:
        _need(b, "vbat_adc", isinstance(v, (int, str)), "must be a pin name or number, or None")
        _need(b, "vbat_adc", v not in reserved, "%r is used by %s" % (v, reserved.get(v)))
        _need(b, "vbat_adc", v not in seen, "%r is already %s" % (v, seen.get(v)))
        r = b.get("vbat_ratio")
        _need(b, "vbat_ratio", isinstance(r, (int, float)) and 1 <= r <= 100,
              "must be the divider's ratio, 1..100 (battery volts per volt at the pin)")
    for f in ("config", "state_dir"):
        _need(b, f, isinstance(b.get(f), str) and b.get(f), "must be a path")
    return b


class Board:
    """A checked board description with the factories the application uses.

    Same interface as a board module: ``NAME``, ``CONFIG``, ``STATE_DIR``,
    ``HAS_DEEPSLEEP``, ``MAX_SLEEP_MS``, ``open_port()``, ``Pins()``, ``rtc()``,
    ``deepsleep(ms)``, ``reset()``, ``woke_from_sleep()``."""

    HAS_DEEPSLEEP = True

    def __init__(self, desc, machine_name=None):
        if machine_name is None and sys.platform not in ("linux", "darwin"):
            import os
            machine_name = os.uname().machine
        self.desc = check(desc, machine_name)
        self.NAME = desc["name"]
        self.PORT = desc["port"]
        self.CONFIG = desc["config"]
        self.STATE_DIR = desc["state_dir"]
        self.MAX_SLEEP_MS = desc["max_sleep_ms"]
        self.VBAT_ADC = desc.get("vbat_adc")
        self.VBAT_RATIO = desc.get("vbat_ratio")

    def _err(self, field, e):
        return BoardError(self.NAME, field, "%s: %s" % (type(e).__name__, e))

    def open_port(self, dev=None, baud=115200):
        """Open the BC66's UART as a bc66 Port (``dev`` is ignored: the UART is the
        description's). The port's own errors come back naming the field."""
        from machine import UART
        from bc66 import transport
        d = self.desc
        kw = {"rxbuf": 2048, "timeout": 0}
        if self.PORT == "esp32":  # any GPIO through the matrix; stm32 pins are fixed
            kw["tx"] = d["tx"]
            kw["rx"] = d["rx"]
        try:
            u = UART(d["uart"], baud, **kw)
        except (ValueError, TypeError, OSError) as e:
            raise self._err("uart", e)
        return transport.open_uart(u, baud)  # rxbuf: the pump may wait for a line's rest

    def Pins(self, path=None):
        """The module's control lines (PWRKEY, RESET, PSM_EINT, VDD_EXT, LED)."""
        from boards.gpio import GpioPins
        try:
            return GpioPins(self.desc)
        except (ValueError, TypeError) as e:
            f = getattr(e, "field", None) or "pins"
            raise self._err(f, e)

    def rtc(self):
        """Memory that survives deep sleep with ``memory()``/``memory(data)`` (RTC memory
        or backup SRAM/registers), or None: the state then lives in a file."""
        import machine
        keep = self.desc["keep"]
        if keep == "rtc":
            return machine.RTC()
        if keep == "backup" and hasattr(machine, "mem_backup"):
            from boards.gpio import BackupMemory
            return BackupMemory(machine.mem_backup(), self.desc.get("backup_skip", 0))
        return None

    def deepsleep(self, ms):
        """One hardware deep sleep of ``ms`` (<= MAX_SLEEP_MS); does not return."""
        import machine
        if not 0 <= ms <= self.MAX_SLEEP_MS:
            raise ValueError("deepsleep %d ms: one sleep is 0..%d" % (ms, self.MAX_SLEEP_MS))
        machine.deepsleep(ms)

    def reset(self):
        """Restart the MCU (``machine.reset()``); does not return."""
        import machine
        machine.reset()

    def woke_from_sleep(self):
        """True if this start is a wake from our deep sleep (not power-on or a reset)."""
        import machine
        return machine.reset_cause() == machine.DEEPSLEEP_RESET
