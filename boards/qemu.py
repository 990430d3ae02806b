"""QEMU MPS2-AN385 (Cortex-M3, ``qemu-system-arm -machine mps2-an385``) as a board.

| BC66        | MPS2-AN385                                                       |
|-------------|------------------------------------------------------------------|
| MAIN_TXD/RXD | UART1 (CMSDK APB UART at 0x40005000): QEMU's second ``-serial`` |
| PWRKEY, RESET, PSM_EINT | stand-ins: each pulse is a word on UART2 (0x40006000), QEMU's third ``-serial`` (``tools.board.qemu`` points it at the simulator's pins file) |

The board is ``BOARD`` on the port adapter ``boards/ports/qemu.py``; this file keeps the
hardware: the UART driver and the RAM disk. The firmware built by ``tools/board/mcu.py``
freezes this file; its ``_boot.py`` calls
``mount()``, so ``/`` is a littlefs on a RAM disk (like a board's flash; empty at power-on).
The port has no ``machine.UART``: ``CmsdkUart`` is the UART driver, a stream over
``machine.mem32`` whose ``ioctl`` answers asyncio's poller. Clock: an RTC stand-in in the
firmware (tools/board/qemu_port) reads the host's clock at first use, then runs on the ticks.
"""
import io

BOARD = {"name": "qemu", "port": "qemu", "config": "/config.json", "state_dir": "/state"}
BAUD = 115200

CPU_HZ = 25_000_000          # the MPS2-AN385 core clock (SysTick and the UARTs)
UART1 = 0x40005000           # BC66
UART2 = 0x40006000           # control-line stand-ins
RAMDISK = 0x20000000         # SSRAM2, not used by the firmware image
RAMDISK_BLOCKS = 256
RAMDISK_BLOCK_SIZE = 512

_DATA = 0x0
_STATE = 0x4
_CTRL = 0x8
_BAUDDIV = 0x10
_TX_FULL = 1
_RX_FULL = 2
_POLL = 3                    # MP_STREAM_POLL
_CLOSE = 4                   # MP_STREAM_CLOSE
_POLL_RD = 1
_POLL_WR = 4


class CmsdkUart(io.IOBase):
    """An Arm CMSDK APB UART as a non-blocking stream: ``readinto`` -> n or None,
    ``write`` -> bytes taken, ``ioctl`` answers MP_STREAM_POLL for asyncio.

    Register addresses are above 2**30, so they are long ints on a 32-bit port: computed
    once here, not per access (each ``base + offset`` would allocate)."""

    def __init__(self, base, baud=BAUD):
        from machine import mem32
        self._mem = mem32
        self._data = base + _DATA
        self._state = base + _STATE
        self._ctrl = base + _CTRL
        mem32[base + _BAUDDIV] = max(16, CPU_HZ // baud)
        mem32[self._ctrl] = 3  # TX and RX enabled

    def readinto(self, buf):
        mem = self._mem
        state = self._state
        data = self._data
        n = 0
        k = len(buf)
        while n < k and mem[state] & _RX_FULL:
            buf[n] = mem[data] & 0xFF
            n += 1
        return n or None

    def write(self, buf):
        mem = self._mem
        state = self._state
        data = self._data
        if isinstance(buf, str):
            buf = buf.encode()
        n = 0
        for b in buf:
            if mem[state] & _TX_FULL:
                break
            mem[data] = b
            n += 1
        return n

    def ioctl(self, req, arg):
        if req == _POLL:
            st = self._mem[self._state]
            r = 0
            if arg & _POLL_RD and st & _RX_FULL:
                r |= _POLL_RD
            if arg & _POLL_WR and not st & _TX_FULL:
                r |= _POLL_WR
            return r
        if req == _CLOSE:
            self._mem[self._ctrl] = 0
            return 0
        return -22  # EINVAL

    def close(self):
        self.ioctl(_CLOSE, 0)


def ram_disk():
    """The RAM outside the heap (the image's flash stand-in) as a block device for VfsLfs2
    (in C, bc66_qemu.c: no Python line inside littlefs for a Ctrl-C to land in)."""
    import bc66_qemu
    return bc66_qemu.RamDisk(RAMDISK, RAMDISK_BLOCKS, RAMDISK_BLOCK_SIZE)


def mount(path="/"):
    """Mount the RAM disk's littlefs at ``path`` (formatted when it holds none) -> the VFS."""
    import os
    bdev = ram_disk()
    try:
        vfs = os.VfsLfs2(bdev)
    except OSError:
        os.VfsLfs2.mkfs(bdev)
        vfs = os.VfsLfs2(bdev)
    os.mount(vfs, path)
    os.chdir(path)
    return vfs
