"""A DS18B20/DS18S20 on a 1-Wire pin, through micropython-lib's drivers: a sensor of
your own in one file (the README's worked example, "Your own sensor").

Install the drivers once (``mpremote mip install ds18x20``, which brings ``onewire``;
the esp32 firmware has both frozen), copy this file beside main.py
(``mpremote cp examples/ds18x20_sensor.py :``; on the unix port into ``firmware/``), and
add one entry to the config's ``sensors``:

    {"type": "temperature", "source": "ds18x20_sensor", "pin": 4, "name": "soil"}

``rom`` (16 hex digits, as ``ds.scan()`` prints them with ``.hex()``) picks one sensor
when several share the pin; without it the first one found is read.
"""
from binascii import unhexlify

from sensors import SensorError

CONVERT_MS = 750  # the 12-bit conversion time (datasheet t_CONV)


class DS18x20Sensor:
    """The sensor interface: start() begins a conversion, read() fetches it (degC)."""

    def __init__(self, pin, rom=None):
        import onewire
        import ds18x20
        self.ds = ds18x20.DS18X20(onewire.OneWire(pin))
        self.rom = rom

    def start(self):
        if self.rom is None:  # found at the first read: the sensor may be plugged in later
            roms = self.ds.scan()
            if not roms:
                raise OSError("no DS18x20 answers on the bus")
            self.rom = roms[0]
        self.ds.convert_temp()
        return CONVERT_MS

    def read(self):
        return self.ds.read_temp(self.rom)  # raises on a CRC error or no presence pulse


def open(entry, board):
    """The source for one config entry (the plug-in's one required function)."""
    from machine import Pin
    if "pin" not in entry:
        raise SensorError("pin", "is required")
    rom = entry.get("rom")
    if rom is not None:
        try:
            rom = unhexlify(rom)
        except (ValueError, TypeError):
            rom = b""
        if len(rom) != 8:
            raise SensorError("rom", "must be 16 hex digits")
    try:
        pin = Pin(entry["pin"])
    except (ValueError, TypeError) as e:
        raise SensorError("pin", "%r: %s" % (entry["pin"], e))
    try:
        return DS18x20Sensor(pin, rom)
    except ImportError:
        raise SensorError("source", "needs micropython-lib's ds18x20 and onewire drivers "
                          "(mpremote mip install ds18x20)")
