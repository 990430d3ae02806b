"""The QEMU Cortex-M3 board (MPS2-AN385) with the project frozen: the firmware builds from
the vendored tarball, boots, and the board file gives firmware/main.py what it needs."""
import pytest

from mcu_fixtures import need_mcu


@pytest.fixture(scope="module")
def board():
    need_mcu()
    from tools.board import qemu
    b = qemu.Board()
    yield b
    b.stop()


def test_frozen_firmware_boots_with_board_clock_fs_and_c_asyncio(board):
    out = board.run(
        "import sys, os, time, _asyncio, boards\n"
        "b = boards.load()\n"
        "print(sys.platform, b.NAME, b.CONFIG, b.STATE_DIR)\n"
        "print('time', type(time.time()).__name__, time.gmtime(0)[0], time.gmtime()[0] >= 2024)\n"
        "with open('/f.txt', 'w') as f: f.write('x' * 700)\n"
        "print('fs', os.stat('/f.txt')[6], os.statvfs('/')[0])\n"
        "import app, sensors, bc66.modem, lwm2m.node\n"
        "print('frozen', app.__file__, os.listdir('/'))\n")
    lines = out.split("\n")
    assert lines[0] == "qemu qemu /config.json /state"
    assert lines[1] == "time int 2000 True"  # epoch 2000, the RTC stand-in is set
    assert lines[2] == "fs 700 512"
    assert lines[3] == "frozen app.py ['f.txt']"  # imported from flash, not the filesystem


def test_uart_stream_answers_poll_and_writes(board):
    # UART1 is "null" here: writes are taken, nothing arrives, poll says writable only
    out = board.run(
        "import select, boards.qemu as q\n"
        "u = q.CmsdkUart(q.UART1)\n"
        "p = select.poll(); p.register(u, select.POLLIN | select.POLLOUT)\n"
        "print(u.write(b'AT\\r\\n'), u.readinto(bytearray(8)), p.poll(0)[0][1])\n")
    assert out.strip() == "4 None 4"


def test_uart_poll_and_empty_read_allocate_nothing(board):
    # asyncio polls the stream (through its ioctl) on every idle turn: on a 32-bit port
    # the register addresses are long ints, so they must not be computed per call
    out = board.run(
        "import gc, boards.qemu as q\n"
        "u = q.CmsdkUart(q.UART1)\n"
        "b = bytearray(16)\n"
        "gc.collect(); a = gc.mem_alloc()\n"
        "for i in range(200):\n"
        "    u.ioctl(3, 5); u.readinto(b)\n"
        "print(gc.mem_alloc() - a)\n")
    assert int(out) < 64, out  # the loop's range object only; 32 B per call before


def test_qemu_ends_with_a_killed_tools_qemu():
    # a power cut of the node (Firmware.kill: SIGKILL to tools.board.qemu) leaves no QEMU behind
    import subprocess
    import sys
    import time
    need_mcu()
    p = subprocess.Popen([sys.executable, "-m", "tools.board.qemu", "--repl"], stdout=subprocess.PIPE,
                         text=True)
    try:
        assert p.stdout.readline().startswith("/dev/pts/")
        kids = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True)
        qemu_pid = int(kids.stdout.split()[0])
    finally:
        p.kill()
        p.wait()
    for _ in range(100):
        try:
            with open("/proc/%d/stat" % qemu_pid) as f:
                if f.read().split(")")[1].split()[0] == "Z":
                    break  # ended (a zombie until init reaps it)
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("QEMU %d still running" % qemu_pid)
