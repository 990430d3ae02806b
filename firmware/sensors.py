"""The node's sensors: each config entry binds an IPSO type to a source.

An entry of the config's ``sensors`` list is ``{"type": T, "source": S, ...}``: ``T`` a
name of ``lwm2m.ipso.TYPES`` (temperature 3303, humidity 3304, barometer 3315, voltage
3316, generic 3300, digital_input 3200), ``S`` a built-in source below or the name of a
module of your own; the other keys are the source's (``pin``, ``ratio``, ...), and
``"name"`` labels the instance (5750). Without ``sensors``, ``objects``' "temperature"
and "voltage" get the board's defaults (``defaults``).

The sensor interface (what a source is): an object with
    read() -> the value: a number in the type's units (a bool for digital_input);
              raises any Exception when the sensor cannot be read
and, where a measurement takes time, optionally
    start() -> ms: begin a measurement; read() is called ``ms`` later (at most
              MAX_START_MS; the node's other tasks run meanwhile; never sleep in read()).
A module of your own, ``S.py`` beside main.py, has ``open(entry, board) -> source``; raise
``SensorError(field, rule)`` (or ValueError) for a bad entry. See the README ("Your own
sensor") and its worked example, ``examples/ds18x20_sensor.py``.

A read that fails is logged and counted (``Sensors.failures``); it is never a crash. The
object keeps the last good value in 5700, its time in 5518 (so a server sees how old it
is); the queued reading carries null for that sensor.
"""
import asyncio
import time

from bc66 import log

_TAG = "sensors"
MAX_START_MS = 5000  # the longest start() -> ms a round waits (a DS18B20: 750)


class SensorError(ValueError):
    """A sensor entry this board cannot run: ``field`` of the entry and the rule."""

    def __init__(self, field, rule):
        super().__init__("%s: %s" % (field, rule))
        self.field = field
        self.rule = rule


class SensorAbsent(SensorError):
    """The source does not exist on this board or port (not a fault: nothing to read)."""


def _pin(entry, key="pin"):
    # machine.Pin for entry[key]; the port's refusal becomes SensorError naming the key
    try:
        from machine import Pin
    except ImportError:  # the unix port
        raise SensorError(key, "this port has no machine.Pin")
    if key not in entry:
        raise SensorError(key, "is required")
    try:
        return Pin(entry[key], Pin.IN)
    except (ValueError, TypeError) as e:
        raise SensorError(key, "%r: %s" % (entry[key], e))


def _number(entry, key, default, lo, hi):
    v = entry.get(key, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
        raise SensorError(key, "must be a number %s..%s" % (lo, hi))
    return v


class Sim:
    """The unix port's and QEMU's stand-in: a seeded random walk from ``start`` (a voltage
    drains slowly instead, never below 3.0 V)."""

    def __init__(self, start=21.0, drain=False, seed=1):
        import random
        self._random = random
        random.seed(seed)
        self.v = start
        self.drain = drain

    def read(self):
        if self.drain:
            self.v = round(max(3.0, self.v - 0.001), 3)
        else:
            self.v = round(self.v + (self._random.getrandbits(8) - 128) / 256, 2)
        return self.v


class Adc:
    """Volts at an ADC pin times a divider ``ratio`` (``vref``: the ADC's full scale)."""

    def __init__(self, pin, ratio=1.0, vref=3.3, field="pin"):
        try:
            from machine import ADC
            self.adc = ADC(pin)
        except ImportError:
            raise SensorError(field, "this port has no machine.ADC")
        except (ValueError, TypeError) as e:
            raise SensorError(field, "no ADC on this pin: %s" % e)
        self.scale = vref * ratio / 65535

    def read(self):
        return round(self.adc.read_u16() * self.scale, 3)


class McuTemperature:
    """The MCU die temperature (degC): the board's ``mcu_temperature()`` (ESP32-C3/S2/S3:
    ``esp32.mcu_temperature()``; stm32: the ADC's internal channel)."""

    def __init__(self, board):
        if not board.HAS_MCU_TEMPERATURE:
            raise SensorAbsent("source", "board %s has no MCU temperature sensor (the "
                               "ESP32 has none calibrated; the unix port none at all)"
                               % board.NAME)
        self.read = board.mcu_temperature


class DigitalPin:
    """A pin's level as a bool (``invert``: true when the pin is low)."""

    def __init__(self, pin, invert=False):
        self.pin = pin
        self.invert = invert

    def read(self):
        return bool(self.pin.value()) != self.invert


class Dht22:
    """One reading of a DHT22 (micropython-lib ``dht``) for two entries: temperature and
    humidity share the device; it is measured at most once per round (2 s, its minimum)."""

    def __init__(self, pin):
        try:
            import dht
        except ImportError:
            raise SensorError("source", "dht22 needs micropython-lib's dht driver "
                              "(mip install dht; frozen in the esp32 firmware)")
        self.dev = dht.DHT22(pin)
        self._at = None

    def measure(self):
        now = time.ticks_ms()
        if self._at is None or time.ticks_diff(now, self._at) >= 2000:
            self._at = now  # a failed measure is not repeated for the other quantity
            self.dev.measure()


class _DhtValue:
    def __init__(self, dev, humidity):
        self.dev = dev
        self.humidity = humidity

    def read(self):
        self.dev.measure()
        return self.dev.dev.humidity() if self.humidity else self.dev.dev.temperature()


_dhts = {}  # pin value -> Dht22: the entries on one pin share the device


def _open_builtin(src, entry, board):
    t = entry["type"]
    if src == "sim":
        return Sim(_number(entry, "start", 3.6 if t == "voltage" else 21.0, -1e6, 1e6),
                   t == "voltage")
    if src == "battery":
        if board.VBAT_ADC is None:
            raise SensorAbsent("source", "board %s has no vbat_adc (no battery divider): "
                               "set vbat_adc and vbat_ratio in its description"
                               % board.NAME)
        return Adc(_pin({"pin": board.VBAT_ADC}), board.VBAT_RATIO, field="source")
    if src == "adc":
        return Adc(_pin(entry), _number(entry, "ratio", 1, 1, 100),
                   _number(entry, "vref", 3.3, 0.5, 5))
    if src == "mcu_temperature":
        return McuTemperature(board)
    if src == "pin":
        pull = {"up": "PULL_UP", "down": "PULL_DOWN", None: None}.get(entry.get("pull"), 0)
        if pull == 0:
            raise SensorError("pull", 'must be "up", "down" or null')
        pin = _pin(entry)
        if pull:
            pin.init(pin.IN, getattr(pin, pull))
        return DigitalPin(pin, entry.get("invert") is True)
    if src == "dht22":
        if t not in ("temperature", "humidity"):
            raise SensorError("type", "a dht22 gives temperature or humidity")
        key = entry.get("pin")
        dev = _dhts.get(key)
        if dev is None:
            dev = _dhts[key] = Dht22(_pin(entry))
        return _DhtValue(dev, t == "humidity")
    return None


BUILTIN = ("sim", "battery", "adc", "mcu_temperature", "pin", "dht22")


def open_source(entry, board):
    """The source of one entry: built in, else ``open(entry, board)`` of the module named
    by ``entry["source"]``. SensorError naming the entry's field when it cannot."""
    src = entry["source"]
    if src in BUILTIN:
        return _open_builtin(src, entry, board)
    try:
        mod = __import__(src)
    except ImportError as e:
        raise SensorError("source", "%r is no built-in source (%s) and cannot be imported: "
                          "%s" % (src, ", ".join(BUILTIN), e))
    if not hasattr(mod, "open"):
        raise SensorError("source", "module %r has no open(entry, board)" % src)
    try:
        s = mod.open(entry, board)
    except SensorError:
        raise
    except (ValueError, TypeError, OSError) as e:
        raise SensorError("source", "%s: %s" % (src, e))
    if not hasattr(s, "read"):
        raise SensorError("source", "%s.open() returned no source with read()" % src)
    return s


def defaults(board, objects):
    """The entries ``objects``' "temperature"/"voltage" stand for on ``board``: the
    simulated walk on the unix port and QEMU, else the MCU die and the battery divider."""
    sim = board.SIMULATED
    e = []
    if "temperature" in objects:
        e.append({"type": "temperature", "source": "sim" if sim else "mcu_temperature"})
    if "voltage" in objects:
        e.append({"type": "voltage", "source": "sim" if sim else "battery"})
    return e


class Sensor:
    """One configured sensor: its entry, its IPSO instance (``obj``), its source."""

    def __init__(self, index, entry, obj, source):
        self.index = index
        self.entry = entry
        self.obj = obj
        self.source = source
        self.failures = 0  # reads that failed, since start
        self.failing = False


class Sensors:
    """The configured sensors; ``await sample(t)`` reads them all into the object model."""

    def __init__(self, sensors):
        self.sensors = sensors
        self.muted = ()  # indexes of the sensors not read (the server's settings, 32769/0/7)

    def names(self):
        """The sensors' names for the settings object: the type, with the instance id
        after the first ("temperature", "temperature1")."""
        return [s.entry["type"] + (str(s.obj.inst) if s.obj.inst else "") for s in self.sensors]

    def report_only(self, names):
        """From the next ``sample``, read only the sensors named (``names()``); the others
        keep their last value and are null in the readings."""
        self.muted = tuple(i for i, n in enumerate(self.names()) if n not in names)

    @property
    def failures(self):
        """Failed reads of all sensors since start."""
        return sum(s.failures for s in self.sensors)

    def find(self, oid):
        """The first sensor whose object is ``oid``, or None."""
        for s in self.sensors:
            if s.obj.oid == oid:
                return s
        return None

    async def sample(self, t=None):
        """Start what needs starting, wait the longest start, read each into its object
        (5518 = ``t``) -> [value or None (a failed read, a muted sensor), ...] in config order."""
        wait = 0
        started = []
        for i, s in enumerate(self.sensors):
            ok = i not in self.muted
            if ok and hasattr(s.source, "start"):
                try:
                    ms = int(s.source.start() or 0)
                    if not 0 <= ms <= MAX_START_MS:
                        raise ValueError("start() asked for %d ms (0..%d)" % (ms, MAX_START_MS))
                    wait = max(wait, ms)
                except Exception as e:
                    self._failed(s, e)
                    ok = False
            started.append(ok)
        if wait:
            await asyncio.sleep_ms(wait)
        out = []
        for s, ok in zip(self.sensors, started):
            v = None
            if ok:
                try:
                    v = s.source.read()
                    if isinstance(v, bool):
                        v = int(v)
                    elif isinstance(v, float):
                        v = round(v, 4)  # a DS18B20 step is 0.0625
                    s.obj.update(v, t)
                    if s.failing:
                        s.failing = False
                        log.log(log.INFO, _TAG, "sensors[%d] (%s) reads again", s.index,
                                s.entry["source"])
                except Exception as e:
                    self._failed(s, e)
                    v = None
            out.append(v)
        return out

    def _failed(self, s, e):
        s.failures += 1
        s.failing = True
        log.log(log.WARN, _TAG, "sensors[%d] (%s) not read (%d failures): %r; %d/%d/5700 "
                "keeps its last value", s.index, s.entry["source"], s.failures, e,
                s.obj.oid, s.obj.inst)


def open(board, cfg, model):
    """The sensors of ``cfg`` (its ``sensors``, else the defaults of its ``objects``) as
    IPSO instances of ``model`` -> Sensors. A configured entry that cannot run raises
    SensorError with ``field`` = "sensors[i].key"; a default one that is absent on this
    board is left out, with a line in the log."""
    from lwm2m import ipso
    explicit = cfg.sensors is not None
    entries = cfg.sensors if explicit else defaults(board, cfg.objects)
    out = []
    for i, e in enumerate(entries):
        try:
            src = open_source(e, board)
        except SensorError as err:
            if explicit or not isinstance(err, SensorAbsent):
                raise SensorError("sensors[%d].%s" % (i, err.field), err.rule)
            log.log(log.INFO, _TAG, "%s: absent on this board (%s)", e["type"], err)
            continue
        obj = ipso.sensor(model, e["type"], None, e.get("units"), e.get("name", ""))
        out.append(Sensor(i, e, obj, src))
    return Sensors(out)
