"""`make package` and `python -m tools.swpush` as the README shows them."""
import hashlib
import json
import os
import subprocess
import sys

from tools import package


def test_make_package_as_written(tmp_path):
    r = subprocess.run(["make", "-s", "package", "VERSION=1.2.0",
                        'CONFIG={"report_interval_s": 600}'], cwd=package.ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    path = os.path.join(package.ROOT, "build", "package", "bc66-lwm2m-app-1.2.0.pkg")
    data = open(path, "rb").read()
    magic, man, body = data.split(b"\n", 2)
    man = json.loads(man)
    assert magic + b"\n" == package.MAGIC and man["version"] == "1.2.0"
    assert man["config"] == {"report_interval_s": 600}
    assert [n for n, _ in man["files"]] == ["app.mpy", "appversion.mpy", "sensors.mpy"]
    assert sum(n for _, n in man["files"]) == len(body)
    sha = hashlib.sha256(data).hexdigest()
    assert "9/0/1: 1.2.0;%d;%s" % (len(data), sha) in r.stdout
    assert b"1.2.0" in body  # appversion.mpy carries the version
    r = subprocess.run(["make", "-s", "package"], cwd=package.ROOT, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode != 0 and "VERSION=x.y.z is required" in r.stderr


def test_swpush_pushes_a_package_through_lwm2mserver(coap_node, tmp_path):
    from coap_fixtures import need_wakaama
    from tools.wakaama import free_udp_port
    need_wakaama()
    path, data = package.build("1.3.0", str(tmp_path))
    port = free_udp_port()
    p = subprocess.Popen([sys.executable, "-m", "tools.swpush", path, "--port", str(port)],
                         cwd=package.ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        assert "waiting for a node" in p.stdout.readline()
        sim, fw = coap_node(port, lifetime=60)
        out = []
        for line in p.stdout:
            out.append(line)
            if line.startswith("Update State") or "Error" in line:
                break
        assert out[-1].strip() == "Update State 4, Update Result 2", "".join(out)
        assert "activated: the node runs 1.3.0 from its next boot" in "".join(out)
        assert sum("written" in x for x in out) == -(-len(data) // 512)
        fw.wait_log(r"swupdate: 1.3.0 activated: runs from the next boot")
    finally:
        p.stdin.close()  # the end of its stdin: lwm2mserver quits
        assert p.wait(30) == 0
