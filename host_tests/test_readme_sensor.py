"""The README's worked example ("Your own sensor") runs as written: its config entry and
examples/ds18x20_sensor.py, with micropython-lib's real onewire and ds18x20 drivers
(../shared/vendor), on the MicroPython unix port against a DS18B20 model that speaks
1-Wire bit by bit on the stand-in machine (host_tests/mp/fakesensors.py)."""
import json
import os
import re

from conftest import DRIVER_DIR, ROOT, run_mp, vendor_drivers
from tools.board import vendor

SCRIPT = """
import fakemachine, fakesensors, asyncio
m = fakemachine.install("esp32")
dev = fakesensors.DS18X20(serial=7, temp=18.0625)
m.devices[%(pin)r] = fakesensors.OneWireBus(dev)
from lwm2m import objects, config
import sensors
md = objects.Model()
c = config.from_dict({"server": {"host": "h"}, "sensors": %(sensors)s})
import boards
from boards.esp32_devkitc import BOARD
s = sensors.open(boards.make(BOARD, BOARD["machine"]), c, md)
print("values", asyncio.run(s.sample(1)), md.value(3303, 0, 5750), dev.conversions)
"""


def test_readme_worked_example_runs():
    if not vendor_drivers():
        vendor.missing("no micropython-lib drivers tarball in %s" % vendor.VENDOR)
    text = open(os.path.join(ROOT, "README.md")).read()
    sec = text[text.index("### Your own sensor"):]
    assert "mpremote mip install ds18x20" in sec and "examples/ds18x20_sensor.py" in sec
    block = re.search(r"```json\n(\"sensors\": \[.*?\])\n```", sec, re.S)
    assert block, "README lost its worked example's config entry"
    entries = json.loads("{%s}" % block.group(1))["sensors"]
    assert entries[0]["source"] == "ds18x20_sensor"
    assert os.path.isdir(DRIVER_DIR)
    p = run_mp(["-c", SCRIPT % {"pin": entries[0]["pin"], "sensors": json.dumps(entries)}])
    assert p.returncode == 0, p.stdout + p.stderr
    assert "values [18.0625] %s 1" % entries[0]["name"] in p.stdout, p.stdout + p.stderr
