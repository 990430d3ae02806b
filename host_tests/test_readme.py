"""The README's driver example runs as written, against the simulated BC66."""
import os
import re
import subprocess

from tools.board.nodeproc import MPY, ROOT, build, micropython


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


# Every command of the README's ```sh blocks -> the test that runs it: as written (make
# demo, make size, make mcu, make qemu and its mpremote line here or in test_deploy), or
# with the README's example device or server address replaced by the test's own. A line
# whose comment says "needs the board" runs only on hardware. `make test` is this suite.
RUNS = {
    "make demo": "test_readme.py::test_make_demo_as_written",
    "make test": None,
    "make size": "test_deploy.py::test_size_limit",
    "make mcu": "test_readme.py::test_make_mcu_and_make_qemu_as_written",
    "make demo BOARD=qemu": "test_mcu_demo.py::test_demo_session_passes_on_qemu_board",
    "make qemu": "test_readme.py::test_make_mcu_and_make_qemu_as_written",
    'mpremote connect /dev/pts/N exec "import os; print(os.listdir())"':
        "test_readme.py::test_make_mcu_and_make_qemu_as_written",
    ".venv/bin/python -m tools.board.qemu --uart /dev/pts/M --config my-config.json":
        "test_exits.py::test_tools_qemu_stops_the_node_orderly",
    "make demo SERVER=wakaama": "test_wakaama_demo.py::test_demo_against_wakaama_passes",
    "make demo SERVER=coap://192.168.1.20:5683":
        "test_exits.py::test_ctrl_c_in_a_terminal_during_make_demo_server_deregisters_every_time",
    "make package VERSION=1.2.0": "test_package.py::test_make_package_as_written",
    "python -m tools.swpush build/package/bc66-lwm2m-app-1.2.0.pkg":
        "test_package.py::test_swpush_pushes_a_package_through_lwm2mserver",
    "make demo SERVER=wakaama BOARD=qemu":
        "test_wakaama_demo.py::test_demo_against_wakaama_on_the_qemu_board",
    ".venv/bin/python -m tools.energy --config my-config.json --board esp32_devkitc "
    "--plot cycle.png": "test_energy.py::test_cli_prints_life_and_writes_a_plot",
}
HARDWARE = "needs the board"


def readme_commands(text):
    """-> [(command, comment)] of every line of the README's ```sh blocks (a line that is
    only a comment continues the one before)."""
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            cmd, _, comment = line.partition("  #")
            cmd = " ".join(cmd.split())
            if cmd.startswith("#"):
                continue
            if cmd:
                out.append((cmd, comment.strip()))
    return out


def test_every_readme_command_runs_in_a_test_or_needs_the_board():
    text = open(os.path.join(ROOT, "README.md")).read()
    cmds = readme_commands(text)
    assert len(cmds) >= 10, cmds
    bad = [c for c, comment in cmds if c not in RUNS and HARDWARE not in comment]
    assert not bad, "README commands no test runs (add one to RUNS, or mark the line %r): %s" \
        % (HARDWARE, bad)
    shown = {c for c, _ in cmds}
    assert not set(RUNS) - shown, "RUNS names commands the README no longer shows: %s" \
        % sorted(set(RUNS) - shown)
    for cmd, test in RUNS.items():
        if test is None:
            continue
        path, name = test.split("::")
        with open(os.path.join(ROOT, "host_tests", path)) as f:
            assert re.search(r"^def %s\(" % name, f.read(), re.M), (cmd, test)


def test_readme_commands_parser():
    text = "x\n```sh\nmake a   # one\n         # more\nmake  b\n```\n```python\nmake c\n```\n"
    assert readme_commands(text) == [("make a", "one"), ("make b", "")]


def test_readme_config_example_matches_the_example_config():
    import json
    text = open(os.path.join(ROOT, "README.md")).read()
    shown = json.loads(re.search(r"See `firmware/config.example.json`:\n\n```json\n(.*?)```",
                                 text, re.S).group(1))
    example = json.load(open(os.path.join(ROOT, "firmware", "config.example.json")))

    def same(a, b, at):
        if isinstance(a, dict):
            for k in a:
                assert k in b, "README config: %s%s is not in the example config" % (at, k)
                same(a[k], b[k], at + k + ".")
        else:
            assert a == b, "README config: %s is %r, the example config has %r" % (
                at.rstrip("."), a, b)
    same(shown, example, "")


MAKE = ["make", "--no-print-directory", "-C", ROOT]


def test_make_demo_as_written():
    r = subprocess.run(MAKE + ["demo"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    assert re.search(r"^demo PASSED: \d+ steps$", r.stdout, re.M), r.stdout[-3000:]


def test_make_mcu_and_make_qemu_as_written():
    import signal
    from mcu_fixtures import need_mcu
    need_mcu()
    text = open(os.path.join(ROOT, "README.md")).read()
    line = next(c for c, _ in readme_commands(text) if c.startswith("mpremote connect"))
    r = subprocess.run(MAKE + ["mcu"], capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0 and "firmware" in r.stdout, r.stdout + r.stderr
    p = subprocess.Popen(MAKE + ["qemu"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True)
    try:
        seen = []
        for out in p.stdout:
            seen.append(out)
            m = re.match(r"(/dev/pts/\d+)$", out.strip())
            if m:
                break
        assert m, "".join(seen)
        import shlex
        cmd = shlex.split(line.replace("/dev/pts/N", m.group(1)))
        cmd[0] = os.path.join(os.path.dirname(micropython()), "mpremote")
        e = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert e.returncode == 0 and e.stdout.strip().startswith("["), e.stdout + e.stderr
        os.killpg(p.pid, signal.SIGINT)  # Ctrl-C in the terminal: the board stops, quietly
        rest = p.communicate(timeout=60)[0]
        assert "Traceback" not in rest, rest
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
