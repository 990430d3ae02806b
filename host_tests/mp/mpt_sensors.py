# firmware/sensors.py and the IPSO registry (lwm2m.ipso.TYPES): each type declared with
# its resources, sources bound by config (simulated, battery ADC + divider, MCU
# temperature, pin, a user's module), a failed read counted and never a crash.
import sys
import gc
import asyncio
import fakeapi as fa
fa.prefer_mpy()
import fakemachine  # noqa: E402
from lwm2m import objects as ob  # noqa: E402
from lwm2m import ipso, config  # noqa: E402


sensors = None


def test_0_heap_cost():
    # first, on a fresh heap: firmware/sensors.py's import (frozen on a board: its module
    # objects only) and two sensors opened (the default config on unix/QEMU: 3303, 3316)
    global sensors
    c = cfg()
    md = model()
    board = Board()
    gc.collect()
    a = gc.mem_alloc()
    import sensors as mod
    sensors = mod
    gc.collect()
    b = gc.mem_alloc()
    s = sensors.open(board, c, md)
    gc.collect()
    d = gc.mem_alloc()
    print("sensors heap: import %d B, open two sim sensors %d B" % (b - a, d - b))
    # (64-bit unix: about 10 KB of .mpy code, plus a qstr pool chunk when the names
    # overflow the current one: 17 KB; the QEMU board, frozen: 2.2 KB and 1.2 KB)
    assert len(s.sensors) == 2 and d - b < 4096 and b - a < 20480, (b - a, d - b)


def Board(name="unix", vbat=None, ratio=None):
    # the variant's real board (its port adapter), with a battery divider if given
    import boards
    d = dict(__import__("boards." + name, None, None, ("BOARD",)).BOARD)
    if vbat is not None:
        d.update(vbat_adc=vbat, vbat_ratio=ratio)
    return boards.make(d, d.get("machine"))


def cfg(entries=None, objects=("temperature", "voltage", "bindata")):
    d = {"server": {"host": "h"}, "objects": list(objects)}
    if entries is not None:
        d["sensors"] = entries
    return config.from_dict(d)


def model():
    return ob.Model(fa.FakeModem())


def err(fn, *a):  # -> the SensorError/ConfigError fn raised, its field
    try:
        fn(*a)
    except (sensors.SensorError, config.ConfigError) as e:
        return e.field
    raise AssertionError("no error")


class machine_as:  # the stand-in machine for one test, the port's own afterwards
    def __init__(self, hw):
        self.hw = hw

    def __enter__(self):
        self.old = sys.modules.get("machine")
        return fakemachine.install(self.hw)

    def __exit__(self, *a):
        if self.old is None:
            del sys.modules["machine"]
        else:
            sys.modules["machine"] = self.old


async def test_registry_declares_every_type():
    md = model()
    for name in ("temperature", "humidity", "barometer", "voltage", "generic",
                 "digital_input"):
        s = ipso.sensor(md, name)
        assert (s.oid, s.inst) == (ipso.TYPES[name][0], 0)
    assert ipso.sensor(md, "temperature").inst == 1  # the next free instance
    await md.sync_objects()
    out = fa.out(md.modem.take())
    for oid in (3303, 3304, 3315, 3316, 3300):
        assert "add_object %d 0 (5700, 5701, 5601, 5602, 5605, 5750, 5518)" % oid in out, out
    assert "add_object 3200 0 (5500, 5501, 5505, 5750, 5518)" in out, out
    assert md.value(3304, 0, 5701) == "%RH" and md.value(3315, 0, 5701) == "hPa"
    try:
        ipso.sensor(md, "pressure")
        raise AssertionError
    except KeyError:
        pass


def test_config_sensors_checked_naming_the_field():
    assert cfg().sensors is None
    assert cfg([{"type": "humidity", "source": "dht22", "pin": 4}]).sensors[0]["pin"] == 4
    assert err(cfg, [{"type": "pressure", "source": "sim"}]) == "sensors[0].type"
    assert err(cfg, [{"type": "generic"}]) == "sensors[0].source"
    assert err(cfg, [{"type": "generic", "source": "x", "pin": [1]}]) == "sensors[0].pin"
    assert err(cfg, [{"type": "generic", "source": "x", "name": 'a"b'}]) == "sensors[0].name"
    assert err(cfg, {"type": "generic"}) == "sensors"
    assert err(cfg, [{"type": "generic", "source": "sim"}] * 9) == "sensors"


class Flaky:  # a user's module (sys.modules stands in for flaky.py beside main.py)
    fail = False

    @staticmethod
    def open(entry, board):
        if "gain" not in entry:
            raise sensors.SensorError("gain", "is required")
        return Flaky()

    def read(self):
        if Flaky.fail:
            raise OSError(5)
        return 7.25


async def test_sim_plugin_and_failure_counted_last_value_kept():
    sys.modules["flaky"] = Flaky
    md = model()
    s = sensors.open(Board(), cfg([{"type": "temperature", "source": "sim"},
                                   {"type": "generic", "source": "flaky", "gain": 2,
                                    "name": "tank"},
                                   {"type": "voltage", "source": "sim"}]), md)
    assert [x.obj.oid for x in s.sensors] == [3303, 3300, 3316]
    v = await s.sample(1000)
    assert v[1] == 7.25 and v[2] == 3.599 and isinstance(v[0], float), v
    assert md.value(3300, 0, 5750) == "tank" and md.value(3300, 0, 5518) == 1000
    Flaky.fail = True
    v = await s.sample(2000)                      # reported and counted, never a crash
    assert v[1] is None and v[0] is not None and s.failures == 1
    assert md.value(3300, 0, 5700) == 7.25 and md.value(3300, 0, 5518) == 1000
    assert md.value(3303, 0, 5518) == 2000
    Flaky.fail = False
    assert (await s.sample(3000))[1] == 7.25 and s.failures == 1
    assert err(sensors.open, Board(), cfg([{"type": "generic", "source": "flaky"}]),
               model()) == "sensors[0].gain"
    assert err(sensors.open, Board(), cfg([{"type": "generic", "source": "nosuch"}]),
               model()) == "sensors[0].source"
    del sys.modules["flaky"]


def test_defaults_absent_on_boards_without_them():
    # devkitc: no esp32.mcu_temperature, no vbat_adc: left out, not 0.0
    with machine_as("esp32"):
        s = sensors.open(Board("esp32_devkitc"), cfg(), model())
        assert s.sensors == []
        assert err(sensors.open, Board("esp32_devkitc"),
                   cfg([{"type": "temperature", "source": "mcu_temperature"}]),
                   model()) == "sensors[0].source"
        assert err(sensors.open, Board("esp32_devkitc"),
                   cfg([{"type": "voltage", "source": "battery"}]), model()) == "sensors[0].source"


async def test_battery_adc_pin_and_mcu_temperature():
    with machine_as("esp32c3") as m:
        sys.modules["esp32"] = type("esp32", (), {"mcu_temperature": staticmethod(lambda: 38.5)})
        try:
            md = model()
            s = sensors.open(Board("esp32_c3", vbat=1, ratio=2), cfg([
                {"type": "voltage", "source": "battery"},
                {"type": "voltage", "source": "adc", "pin": 4, "ratio": 11},
                {"type": "temperature", "source": "mcu_temperature"},
                {"type": "digital_input", "source": "pin", "pin": 10, "pull": "up",
                 "invert": True}]), md)
            m.devices[1] = 1.8          # volts at the pin: 3.6 V behind a 1:2 divider
            m.devices[4] = 0.3
            m.devices[10] = 1           # released: not active (inverted)
            v = await s.sample()
            assert abs(v[0] - 3.6) < 0.002 and abs(v[1] - 3.3) < 0.002, v
            assert v[2] == 38.5 and v[3] == 0
            m.devices[10] = 0
            assert (await s.sample())[3] == 1 and md.value(3200, 0, 5501) == 1
            assert md.value(3316, 1, 5700) == v[1]
            assert err(sensors.open, Board("esp32_c3"),
                       cfg([{"type": "voltage", "source": "adc", "pin": 7}]),
                       model()) == "sensors[0].pin"          # GPIO7: no ADC on the C3
            assert err(sensors.open, Board("esp32_c3"),
                       cfg([{"type": "digital_input", "source": "pin", "pin": 10,
                             "pull": "sideways"}]), model()) == "sensors[0].pull"
        finally:
            del sys.modules["esp32"]


def test_sample_never_blocks_the_loop():
    # a source with start() -> ms: other tasks run while it converts
    class Slow:
        def start(self):
            return 50

        def read(self):
            return 1.0
    ticks = [0]

    async def other():
        while True:
            ticks[0] += 1
            await asyncio.sleep_ms(5)

    async def main():
        md = model()
        s = sensors.Sensors([sensors.Sensor(0, {"source": "slow"}, ipso.sensor(md, "generic"),
                                            Slow())])
        t = asyncio.create_task(other())
        v = await s.sample()
        t.cancel()
        return v
    assert asyncio.run(main()) == [1.0] and ticks[0] >= 3
    Slow.start = lambda self: 60000                 # a start() past MAX_START_MS: a failure
    md = model()
    s = sensors.Sensors([sensors.Sensor(0, {"source": "slow"}, ipso.sensor(md, "generic"),
                                        Slow())])
    assert asyncio.run(s.sample()) == [None] and s.failures == 1
