"""`make demo BOARD=qemu`: the firmware frozen into the Cortex-M3 board in QEMU registers
through the simulated BC66 (over the board's UART1) and passes the whole server session,
down to the orderly shutdown on Ctrl-C with exit code 0."""
from mcu_fixtures import need_mcu
from tools.demo import local as demo


def test_demo_session_passes_on_qemu_board(tmp_path):
    need_mcu()
    assert demo.run(str(tmp_path), quiet=True, board="qemu")


def test_qemu_command_exits_with_the_firmware_exit_code(tmp_path):
    # a config error: firmware/main.py exits 2 naming the field, and so does tools.board.qemu
    import subprocess
    import sys
    need_mcu()
    cfg = tmp_path / "bad.json"
    cfg.write_text('{"server": {"port": 5683}}')
    r = subprocess.run([sys.executable, "-m", "tools.board.qemu", "--uart", "null",
                        "--config", str(cfg)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "config: server.host" in r.stdout, r.stdout
