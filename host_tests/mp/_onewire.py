# Stand-in for MicroPython's C module _onewire (extmod/modonewire.c, commit 1c3c201), which
# micropython-lib's onewire.py imports: the unix port and the QEMU board have no 1-Wire
# pins. Same bit-level operations over the bus model attached to the pin
# (fakemachine: m.devices[pin] = fakesensors.OneWireBus(...)): a reset is answered by a
# presence pulse, each read slot is the wired-AND of what the devices drive, bytes go
# least significant bit first; crc8 is the C code's Dallas/Maxim CRC.


def _bus(pin):
    import machine
    return machine.devices.get(pin.p)


def reset(pin):
    b = _bus(pin)
    return bool(b is not None and b.reset())


def readbit(pin):
    b = _bus(pin)
    return 1 if b is None else b.read_slot()  # the pull-up: an empty bus reads 1


def readbyte(pin):
    v = 0
    for i in range(8):
        v |= readbit(pin) << i
    return v


def writebit(pin, value):
    b = _bus(pin)
    if b is not None:
        b.write_slot(1 if value else 0)


def writebyte(pin, value):
    for i in range(8):
        writebit(pin, value & 1)
        value >>= 1


def crc8(data):
    crc = 0
    for byte in data:
        for _ in range(8):
            fb = (crc ^ byte) & 1
            if fb:
                crc ^= 0x18
            crc = (crc >> 1) & 0x7F
            if fb:
                crc |= 0x80
            byte >>= 1
    return crc
