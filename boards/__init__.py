"""Boards: each variant is a description (a dict of data), checked at start.

``boards.load()`` returns this MCU's board: the description deployed as ``board.py``
(``make deploy BOARD=<variant>``), else the variant named by ``boards.select(name)`` or
``load(name)``, else the default variant for ``sys.platform``. The board is an instance of
the port adapter the description's ``port`` names (``boards/ports/<port>.py``), which
implements the protocol of ``boards/base.py`` (every member, with its default).

Every description has ``name``, ``port`` (one of ``base.PORTS``), ``config`` and
``state_dir``. An MCU's (esp32, stm32; ``boards/ports/mcu.py`` checks them; see
``boards/esp32_devkitc.py`` for a complete one) adds ``machine`` (a part of
``os.uname().machine``), ``uart`` and ``uarts`` (the chip's UART ids), ``repl_uart``
(the port's static REPL UART, or None), ``tx``/``rx``/``pwrkey``/``reset``/``psm_eint``
(pin names as the port's ``machine.Pin`` takes them), optional ``vdd_ext`` (input) and
``led`` (output), ``inverted`` (lines driven through an NPN stage), ``reserved`` (pin ->
what uses it), ``pulse_ms``, ``keep`` (what survives deep sleep: "rtc", "backup" or
"file"), ``max_sleep_ms`` (longest single ``machine.deepsleep``); ``vbat_adc`` (the ADC
pin of a battery divider, None where the board has none) with ``vbat_ratio`` (battery
volts per volt at the pin, e.g. 2 for two equal resistors): the "battery" sensor source;
optional ``mcu_temperature`` (True: the port reads the die). Errors name the variant and
field.
"""
import sys

from boards.base import PORTS, BoardError  # noqa: F401 (boards.BoardError)


DEFAULT = {"esp32": "esp32_devkitc", "pyboard": "pyboard_v11", "linux": "unix",
           "darwin": "unix"}
_selected = None


def select(name):
    """Use variant ``name`` from now on (``make run`` does, before the app starts)."""
    global _selected
    _selected = name


def load(name=None, machine_name=None):
    """The board: the description's port adapter, checked (BoardError naming the field)."""
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
    if not isinstance(desc, dict):
        raise BoardError(name or "board", "BOARD", "the board file has no BOARD description")
    return make(desc, machine_name)


def make(desc, machine_name=None):
    """The port adapter's board for description ``desc``, checked first (against this
    board's ``os.uname().machine`` unless ``machine_name`` is given)."""
    if machine_name is None and sys.platform not in ("linux", "darwin"):
        import os
        machine_name = os.uname().machine
    return check(desc, machine_name).Board(desc)


def _need(b, field, ok, msg):
    if not ok:
        raise BoardError(b.get("name", "?"), field, msg)


def check(b, machine_name=None):
    """Check description ``b`` as data (no hardware touched) -> its port adapter module;
    raises BoardError. ``machine_name`` (``os.uname().machine`` on a board), if given,
    must contain an MCU description's ``machine``."""
    name = b.get("name")
    _need(b, "name", isinstance(name, str) and name, "must be a non-empty string")
    port = b.get("port")
    _need(b, "port", port in PORTS, "%r is no port: one of %s" % (port, ", ".join(PORTS)))
    for f in ("config", "state_dir"):
        _need(b, f, isinstance(b.get(f), str) and b.get(f), "must be a path")
    adapter = __import__("boards.ports." + port, None, None, ("Board",))
    adapter.check(b, machine_name, _need)
    return adapter
