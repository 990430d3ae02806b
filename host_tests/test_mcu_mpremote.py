"""mpremote drives the QEMU Cortex-M3 board as it drives a real board, on its REPL pty:
exec, run, a file copied to the board's littlefs and back unchanged, and mount (the host
folder imported on the board)."""
import os
import subprocess
import sys

import pytest

from mcu_fixtures import need_mcu

MPREMOTE = os.path.join(os.path.dirname(sys.executable), "mpremote")


@pytest.fixture(scope="module")
def mpremote():
    need_mcu()
    from tools.board import qemu
    board = qemu.Board()

    def run(*args):
        r = subprocess.run([MPREMOTE, "connect", board.repl] + list(args),
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout
    yield run
    board.stop()


def test_exec_and_run(mpremote, tmp_path):
    assert mpremote("exec", "import sys; print(sys.platform, 6 * 7)") == "qemu 42\n"
    script = tmp_path / "hello.py"
    script.write_text("import boards\nprint('board', boards.load().NAME)\n")
    assert mpremote("run", str(script)) == "board qemu\n"


def test_file_copied_and_read_back(mpremote, tmp_path):
    data = bytes(range(256)) * 8  # every byte value, Ctrl-C (0x03) included
    src = tmp_path / "blob.bin"
    src.write_bytes(data)
    mpremote("cp", str(src), ":blob.bin")
    assert "2048 blob.bin" in mpremote("ls", ":")
    back = tmp_path / "back.bin"
    mpremote("cp", ":blob.bin", str(back))
    assert back.read_bytes() == data
    # and it is on the board's own filesystem, after a soft reset too
    assert mpremote("exec", "import os; print(os.stat('/blob.bin')[6])") == "2048\n"


def test_mount_imports_from_the_host(mpremote, tmp_path):
    (tmp_path / "hostmod.py").write_text("VALUE = 'from the host'\n")
    out = mpremote("mount", str(tmp_path), "exec", "import hostmod; print(hostmod.VALUE)")
    assert out.splitlines()[-1] == "from the host"
