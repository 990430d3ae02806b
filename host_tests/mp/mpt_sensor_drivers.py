# micropython-lib's real drivers (onewire + ds18x20, dht; ../shared/vendor) on the strict
# stand-in machine, against device models speaking the devices' protocols bit by bit
# (fakesensors.py): 1-Wire reset/presence, SEARCH/MATCH/SKIP ROM, CONVERT T, READ
# SCRATCHPAD with its CRC8 through the _onewire stand-in; the DHT22's pulse train through
# the dht_readinto stand-in. Then the README's worked example (examples/ds18x20_sensor.py)
# and the built-in dht22 source through firmware/sensors.py, as a config selects them.
import fakeapi as fa
fa.prefer_mpy()
import fakemachine  # noqa: E402
import fakesensors as fs  # noqa: E402
import vendored  # noqa: E402

M = fakemachine.install("esp32")  # one stand-in for the module: dht binds its function


def drivers():
    return vendored.need("onewire", "ds18x20", "dht")


def test_ds18x20_search_convert_scratchpad_crc():
    onewire, ds18x20, _ = drivers()
    a = fs.DS18X20(serial=0x0102, temp=23.5)
    b = fs.DS18X20(serial=0x0201, temp=-10.125)
    s = fs.DS18X20(serial=0x77, temp=25.0, family=0x10)
    M.devices[4] = bus = fs.OneWireBus(a, b, s)
    ds = ds18x20.DS18X20(onewire.OneWire(M.Pin(4)))
    roms = ds.scan()                                  # SEARCH ROM over three devices
    assert sorted(bytes(r) for r in roms) == sorted([a.rom, b.rom, s.rom]), roms
    assert ds.read_temp(a.rom) == 85.0                # power-on scratchpad
    ds.convert_temp()                                 # SKIP ROM + CONVERT T: all convert
    assert a.conversions == b.conversions == s.conversions == 1
    assert ds.read_temp(a.rom) == 23.5 and ds.read_temp(b.rom) == -10.125
    assert ds.read_temp(s.rom) == 25.0                # DS18S20: 0.5 degC + COUNT_REMAIN
    b.corrupt = True
    try:
        ds.read_temp(b.rom)                           # one bit flipped on the wire
        raise AssertionError("CRC not checked")
    except Exception as e:
        assert "CRC" in str(e), e
    M.devices[4] = fs.OneWireBus()                    # nothing on the line
    assert ds.scan() == []
    try:
        ds.convert_temp()
        raise AssertionError
    except onewire.OneWireError:
        pass
    assert bus.resets > 3


def test_dht22_pulse_train():
    _, _, dht = drivers()
    M.devices[5] = d = fs.DHT22(temp=21.3, humidity=45.6)
    s = dht.DHT22(M.Pin(5))
    s.measure()
    # single-precision floats on the Cortex-M3: 213 * 0.1 is 21.300001
    assert abs(s.temperature() - 21.3) < 1e-4 and abs(s.humidity() - 45.6) < 1e-4
    d.temp = -4.2
    s.measure()
    assert abs(s.temperature() + 4.2) < 1e-4
    d.bad_checksum = True
    try:
        s.measure()
        raise AssertionError
    except Exception as e:
        assert "checksum" in str(e)
    d.present = False
    try:
        s.measure()
        raise AssertionError
    except OSError as e:
        assert e.args[0] == 110                       # ETIMEDOUT, as the C code raises


class Board:  # what the plug-in is handed (no adapter: 40 KB of QEMU heap beside a
    # plug-in compiled from source has no room for the board classes, mpt_boards has them)
    NAME = "esp32_devkitc"
    VBAT_ADC = None


def _open(entries):
    from lwm2m import objects as ob, config
    import sensors
    md = ob.Model(fa.FakeModem())
    c = config.from_dict({"server": {"host": "h"}, "sensors": entries})
    return md, sensors.open(Board(), c, md)


async def test_worked_example_ds18x20_plugin():
    drivers()
    import gc
    gc.collect()
    import ds18x20_sensor  # noqa: F401  (compiled from source on the board: first, whole)
    # the README's example: examples/ds18x20_sensor.py beside main.py, one config entry
    dev = fs.DS18X20(serial=0x4242, temp=19.75)
    M.devices[4] = fs.OneWireBus(dev)
    md, s = _open([{"type": "temperature", "source": "ds18x20_sensor", "pin": 4,
                    "name": "soil"}])
    assert await s.sample(100) == [19.75] and dev.conversions == 1
    assert md.value(3303, 0, 5700) == 19.75 and md.value(3303, 0, 5750) == "soil"
    dev.present = False                               # unplugged: counted, value kept
    assert await s.sample(200) == [None] and s.failures == 1
    assert md.value(3303, 0, 5700) == 19.75 and md.value(3303, 0, 5518) == 100
    dev.present = True
    dev.temp = 20.0
    assert await s.sample(300) == [20.0] and s.failures == 1
    rom = "".join("%02x" % x for x in dev.rom)
    md, s = _open([{"type": "temperature", "source": "ds18x20_sensor", "pin": 4, "rom": rom}])
    assert await s.sample() == [20.0]


async def test_dht22_source_shares_one_measurement():
    drivers()
    M.devices[13] = d = fs.DHT22(temp=24.1, humidity=61.0)
    md, s = _open([{"type": "temperature", "source": "dht22", "pin": 13},
                   {"type": "humidity", "source": "dht22", "pin": 13}])
    v = await s.sample()
    assert abs(v[0] - 24.1) < 1e-3 and abs(v[1] - 61.0) < 1e-3 and d.reads == 1, v
    assert md.value(3304, 0, 5701) == "%RH"
