"""`make deploy` / `make run` / mip against a pretend board, `make size`.

The pretend board is the unix port on a pty (tools/board/pretendboard.py): mpremote drives it as
it drives a board (raw REPL, filesystem, mount, reset). Deployed or mounted, the firmware
runs on it against the simulated BC66 and must register.
"""
import json
import os
import signal
import subprocess

import pytest

from tools.board import build_mpy, deploy
from tools.board.nodeproc import default_config
from tools.board.pretendboard import PretendBoard
from procgroup import Proc

ROOT = deploy.ROOT
MAKE = ["make", "--no-print-directory", "-C", ROOT]


@pytest.fixture
def board(tmp_path):
    b = PretendBoard(str(tmp_path / "board")).start()
    yield b
    b.stop()


def _config(path, state_dir):
    with open(path, "w") as f:
        json.dump(default_config(state_dir), f)
    return str(path)


def test_deploy_then_start_registers(board, sim, tmp_path):
    cfg = _config(tmp_path / "cfg.json", "state")
    r = subprocess.run(MAKE + ["deploy", "BOARD=unix", "PORT=" + board.link, "CONFIG=" + cfg],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    files = set()
    for d, _, fs in os.walk(board.workdir):
        files.update(os.path.relpath(os.path.join(d, f), board.workdir) for f in fs)
    assert {"lib/bc66/at.mpy", "lib/lwm2m/node.mpy", "lib/app.mpy", "lib/boards/unix.mpy",
            "main.py", "board.py", "config.json"} <= files, sorted(files)
    assert board.wait_resets(2)  # mpremote's soft reset on connect, then the deploy's reset
    # a second deploy copies nothing that is already there
    r = subprocess.run(MAKE + ["deploy", "BOARD=unix", "PORT=" + board.link],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    same = {x.split("./", 1)[1] for x in r.stdout.splitlines() if x.startswith("Up to date: ")}
    assert {f for f in files if f.startswith("lib/")} | {"main.py", "board.py"} <= same, r.stdout
    # the deployed firmware (main.py, board.py -> boards.unix, config.json) on the board
    fw = Proc([deploy.mpremote(), "connect", board.link, "exec",
                "import sys; sys.argv[:] = ['main.py', '--port', %r]; import main" % sim.device])
    try:
        fw.wait_line(r"node: registered", timeout=120)
        assert sim.status == 2
    finally:
        fw.kill()


def test_run_mounts_the_working_tree_and_registers(board, sim, tmp_path):
    cfg = _config(tmp_path / "cfg.json", str(tmp_path / "state"))
    fw = Proc(MAKE + ["run", "BOARD=unix", "PORT=" + board.link, "CONFIG=" + cfg,
                       "ARGS=--port " + sim.device])
    try:
        fw.wait_line(r"node: registered", timeout=120)
        assert sim.status == 2
    finally:
        fw.kill()
    assert not os.path.exists(os.path.join(board.workdir, "lib"))  # the flash untouched


def test_mip_installs_the_library_from_package_json(board):
    assert open(deploy.PACKAGE).read() == deploy.package_json(), \
        "package.json is stale: python -m tools.board.deploy package"
    r = subprocess.run([deploy.mpremote(), "connect", board.link, "mip", "install",
                        "--target", "lib", deploy.PACKAGE], capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    for _, rel in build_mpy.modules(deploy.PACKAGE_TOPS):
        assert os.path.exists(os.path.join(board.workdir, rel)), rel
    r = subprocess.run([deploy.mpremote(), "connect", board.link, "exec",
                        "from lwm2m.node import Node; from bc66.modem import BC66; print('ok')"],
                       capture_output=True, text=True, timeout=120)
    assert r.stdout.strip().endswith("ok"), r.stdout + r.stderr


# the native code's architecture in a .mpy header (byte 2 >> 2: py/persistentcode.h
# MP_NATIVE_ARCH_*) per board: xtensawin, rv32imc (ESP32-C3), armv7emsp (Cortex-M4F)
ARCH_CODE = {"esp32_devkitc": 10, "esp32_wrover": 10, "esp32_c3": 11, "pyboard_v11": 7,
             "nucleo_l476rg": 7}


def test_stage_per_board():
    for name in ("esp32_devkitc", "esp32_wrover", "esp32_c3", "pyboard_v11", "nucleo_l476rg"):
        out = deploy.stage(name)
        with open(os.path.join(out, "lib", "bc66", "native.mpy"), "rb") as f:
            assert f.read(4)[2] >> 2 == ARCH_CODE[name], name  # viper code for its MCU
        assert open(os.path.join(out, "board.py")).read().startswith(
            "from boards.%s import *" % name)
        assert os.path.exists(os.path.join(out, "lib", "boards", name + ".mpy"))
        assert not os.path.exists(os.path.join(out, "lib", "main.mpy"))
    assert deploy.config_path("pyboard_v11") == "/flash/config.json"
    assert deploy.config_path("esp32_c3") == "/config.json"
    assert deploy.config_path("unix") == "config.json"
    with pytest.raises(SystemExit, match="no board 'esp33'"):
        deploy.stage("esp33")


def test_size_limit():
    sz = deploy.sizes()
    assert "lib/bc66/at.py" in sz and "firmware/app.py" in sz
    total = deploy.check_size(sz)
    assert 0 < total <= deploy.SIZE_LIMIT
    grown = dict(sz, **{"lib/lwm2m/huge.py": deploy.SIZE_LIMIT - total + 1})
    with pytest.raises(SystemExit, match="past the limit of %d B" % deploy.SIZE_LIMIT):
        deploy.check_size(grown)
    r = subprocess.run(MAKE + ["size"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "lib/bc66/at.py" in r.stdout and "total" in r.stdout, r.stdout


def test_make_run_takes_ctrl_c_without_a_traceback(board, sim, tmp_path):
    # a terminal's Ctrl-C reaches make and tools.board.deploy: each one goes to the board as its
    # Ctrl-C (a board's orderly shutdown; the pretend board, the unix port behind a pty,
    # cannot take a Ctrl-C while mpremote's mount runs), the third stops following
    import time
    cfg = _config(tmp_path / "cfg.json", str(tmp_path / "state"))
    fw = Proc(MAKE + ["run", "BOARD=unix", "PORT=" + board.link, "CONFIG=" + cfg,
                       "ARGS=--port " + sim.device])
    try:
        fw.wait_line(r"node: registered", timeout=120)
        for _ in range(3):
            os.killpg(fw.p.pid, signal.SIGINT)
            time.sleep(0.2)  # three presses, not one signal the kernel merges
        fw.p.wait(60)
        fw.wait_line(r"run: stopped following the board", timeout=10)
    finally:
        fw.kill()
    text = "\n".join(fw.lines)
    assert "Traceback" not in text, text


def test_run_on_the_qemu_board_stops_orderly_on_ctrl_c(sim_factory, tmp_path):
    # `make run`'s path on a board that takes Ctrl-C on its REPL UART (the QEMU Cortex-M3;
    # 256 KB heap: the node loaded from .mpy over mpremote's mount, not frozen; 192 KB ran
    # out in App() (MemoryError of 2,148 B) once lib/bc66/native.mpy held armv7m machine
    # code, and passed with its plain twin: not investigated further): a terminal's Ctrl-C
    # is the firmware's orderly shutdown, followed to its exit code
    import sys
    from mcu_fixtures import need_mcu
    from tools.board import mcu, qemu
    need_mcu()
    heap = 256 * 1024
    mcu.firmware(heap)
    sim = sim_factory(time_scale=0.05, attach_s=0.2)
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps(default_config("/state", report_interval_s=1)))
    with qemu.Board(uart=sim.device, heap=heap) as b:
        fw = Proc([sys.executable, "-m", "tools.board.deploy", "run", "--board", "qemu",
                    "--port", b.repl, "--config", str(cfg)])
        try:
            fw.wait_line(r"node: registered", timeout=180)
            os.killpg(fw.p.pid, signal.SIGINT)
            try:  # as a user: pressed again if the board went on (it took the first one
                fw.wait_line(r"app: stopping", timeout=15)  # during a mount transfer)
            except AssertionError:
                os.killpg(fw.p.pid, signal.SIGINT)
            assert fw.p.wait(60) == 0, "\n".join(fw.lines[-20:])
        finally:
            fw.kill()
    text = "\n".join(fw.lines)
    assert "app: stopping: interrupted (Ctrl-C)" in text and "app: stopped (exit 0)" in text, text
    assert "AT+QLWDEREG" in sim.commands and "Traceback" not in text, text
