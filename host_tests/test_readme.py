"""The README's driver example runs as written, against the simulated BC66."""
import os
import re
import subprocess

from tools.nodeproc import MPY, ROOT, build, micropython


def test_readme_driver_example_runs(sim, tmp_path):
    text = open(os.path.join(ROOT, "README.md")).read()
    block = re.search(r"```python\n(import asyncio\nfrom bc66 import transport.*?)```", text, re.S)
    assert block, "README lost its driver example"
    code = block.group(1).replace("/dev/ttyUSB0", sim.device)
    script = tmp_path / "example.py"
    script.write_text(code)
    build()
    sim.wait_for(lambda: sim.attached, 5)
    env = dict(os.environ, MICROPYPATH=":".join([".frozen", MPY + "/lib"]))
    r = subprocess.run([micropython(), str(script)], capture_output=True, text=True, timeout=60,
                       env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "867997030052996" in r.stdout
    assert sim.status == 2
    assert any(n.path == "3303/0/5700" for n in sim.notifications)
