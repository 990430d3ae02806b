# Device models behind the stand-in machine's pins (fakemachine: m.devices[pin] = model),
# at the level of the devices' own protocols, from their datasheets:
# - DS18B20/DS18S20 (Maxim): 1-Wire slave, bit by bit: reset -> presence; ROM commands
#   SEARCH ROM F0 (bit, complement, direction per ROM bit), MATCH ROM 55, SKIP ROM CC;
#   function commands CONVERT T 44, READ SCRATCHPAD BE (9 bytes, byte 8 the CRC8 of 0..7),
#   WRITE SCRATCHPAD 4E (TH, TL, config). Power-on scratchpad: 85 degC (0x0550).
# - DHT22 (AM2302): after the host's start pulse, 80 us low + 80 us high, then 40 bits,
#   each 50 us low + 26-28 us high (0) or 70 us high (1): humidity x10, temperature x10
#   (bit 15: negative), checksum = low byte of the sum of the four.
import _onewire


class OneWireBus:
    """Devices on one 1-Wire line (open drain, pulled up): reads are wired-AND."""

    def __init__(self, *devices):
        self.devices = list(devices)
        self.resets = 0

    def reset(self):
        self.resets += 1
        present = False
        for d in self.devices:
            present = d.reset() or present
        return present

    def read_slot(self):
        v = 1
        for d in self.devices:
            v &= d.read_slot()
        return v

    def write_slot(self, b):
        for d in self.devices:
            d.write_slot(b)


def rom(family, serial):
    """An 8-byte ROM: family code, 6 serial bytes (LSB first), CRC8 of the seven."""
    r = bytearray(8)
    r[0] = family
    for i in range(6):
        r[1 + i] = (serial >> (8 * i)) & 0xFF
    r[7] = _onewire.crc8(r[:7])
    return bytes(r)


class DS18X20:
    """A DS18B20 (family 0x28, 12-bit) or DS18S20 (0x10, 9-bit with COUNT_REMAIN)."""

    def __init__(self, serial=1, temp=21.5, family=0x28):
        self.rom = rom(family, serial)
        self.temp = temp             # what the die would measure now
        self.present = True          # False: no presence pulse, never drives the line
        self.corrupt = False         # True: one bit of the scratchpad flipped on the wire
        self.conversions = 0
        self.scratch = bytearray(b"\x50\x05\x4b\x46\x7f\xff\x0c\x10\x00")  # 85 degC
        if family == 0x10:
            self.scratch[:2] = b"\xaa\x00"
        self.scratch[8] = _onewire.crc8(self.scratch[:8])
        self._mode = "idle"

    def reset(self):
        if not self.present:
            return False
        self._mode = "rom"
        self._bits = []
        self._out = []
        return True

    def _byte(self, b):
        # collect written bits -> a whole byte once 8 are in, else None
        self._bits.append(b)
        if len(self._bits) < 8:
            return None
        v = 0
        for i, x in enumerate(self._bits):
            v |= x << i
        self._bits = []
        return v

    def _send(self, data):
        self._out = [(byte >> i) & 1 for byte in data for i in range(8)]

    def read_slot(self):
        if self._mode == "search" and self._out:
            return self._out.pop(0)
        if self._mode == "send" and self._out:
            return self._out.pop(0)
        return 1  # not driving

    def write_slot(self, b):
        m = self._mode
        if m == "rom":
            c = self._byte(b)
            if c == 0xCC:
                self._mode = "func"
            elif c == 0x55:
                self._mode = "match"
                self._match = []
            elif c == 0xF0:
                self._mode = "search"
                self._pos = 0
                self._search_bit()
            elif c is not None:
                self._mode = "idle"
        elif m == "match":
            self._match.append(b)
            if len(self._match) == 64:
                mine = [(x >> i) & 1 for x in self.rom for i in range(8)]
                self._mode = "func" if self._match == mine else "idle"
        elif m == "search":
            bit = (self.rom[self._pos // 8] >> (self._pos % 8)) & 1
            if b != bit:
                self._mode = "idle"  # the master chose the other branch
                return
            self._pos += 1
            if self._pos == 64:
                self._mode = "idle"
            else:
                self._search_bit()
        elif m == "func":
            c = self._byte(b)
            if c == 0x44:
                self._convert()
                self._mode = "idle"
            elif c == 0xBE:
                data = bytearray(self.scratch)
                if self.corrupt:
                    data[0] ^= 0x01
                self._send(data)
                self._mode = "send"
            elif c == 0x4E:
                self._mode = "write"
                self._wr = []
            elif c is not None:
                self._mode = "idle"
        elif m == "write":
            c = self._byte(b)
            if c is not None:
                self._wr.append(c)
                if len(self._wr) == 3:
                    self.scratch[2:5] = bytes(self._wr)
                    self.scratch[8] = _onewire.crc8(self.scratch[:8])
                    self._mode = "idle"

    def _search_bit(self):
        bit = (self.rom[self._pos // 8] >> (self._pos % 8)) & 1
        self._out = [bit, 1 - bit]

    def _convert(self):
        self.conversions += 1
        s = self.scratch
        if self.rom[0] == 0x10:  # 0.5 degC steps, COUNT_REMAIN for the extended reading
            half = int(self.temp * 2 + (0.5 if self.temp >= 0 else -0.5)) & 0xFFFF
            s[0] = half & 0xFF
            s[1] = 0xFF if self.temp < 0 else 0
            s[6] = 12  # COUNT_REMAIN, COUNT_PER_C = 16: t = half/2 - 0.25 + 4/16
            s[7] = 16
        else:
            raw = int(self.temp * 16 + (0.5 if self.temp >= 0 else -0.5)) & 0xFFFF
            s[0] = raw & 0xFF
            s[1] = raw >> 8
        s[8] = _onewire.crc8(s[:8])


class DHT22:
    """A DHT22 on a pin: ``pulses()`` is its answer to one start pulse."""

    def __init__(self, temp=21.3, humidity=45.6):
        self.temp = temp
        self.humidity = humidity
        self.present = True
        self.bad_checksum = False
        self.reads = 0

    def frame(self):
        h = int(self.humidity * 10 + 0.5)
        t = int(abs(self.temp) * 10 + 0.5) | (0x8000 if self.temp < 0 else 0)
        b = [h >> 8, h & 0xFF, t >> 8, t & 0xFF]
        b.append((sum(b) + (1 if self.bad_checksum else 0)) & 0xFF)
        return b

    def pulses(self):
        self.reads += 1
        if not self.present:
            return []
        p = [(0, 80), (1, 80)]
        for byte in self.frame():
            for i in range(7, -1, -1):
                p.append((0, 50))
                p.append((1, 70 if byte >> i & 1 else 27))
        p.append((0, 50))
        return p
