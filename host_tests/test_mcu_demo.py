"""`make demo BOARD=qemu`: the firmware frozen into the Cortex-M3 board in QEMU registers
through the simulated BC66 (over the board's UART1) and passes the whole server session,
down to the orderly shutdown on Ctrl-C with exit code 0."""
from mcu_fixtures import need_mcu
from tools import demo


def test_demo_session_passes_on_qemu_board(tmp_path):
    need_mcu()
    assert demo.run(str(tmp_path), quiet=True, board="qemu")
