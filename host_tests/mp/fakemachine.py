# A stand-in `machine` for the unix port that refuses what the real ports refuse, so the
# board files' mistakes show on a PC. Written from micropython/micropython (commit
# 1c3c201): ports/esp32/machine_uart.c, machine_pin.{c,h}, modmachine.c, machine_rtc.c;
# ports/stm32/machine_uart.c, pin.c, rtc.c (pyb_rtc_wakeup), modmachine.c,
# machine_mem_backup.c; the boards' pins.csv and mpconfigboard.h. These tables are the
# ports' facts, kept apart from boards/*.py (the descriptions are checked against them).
#
#   m = fakemachine.install("nucleo_l476rg")   # sys.modules["machine"] is now m
#   m.UART(2, 115200, rxbuf=2048)  -> ValueError: UART is static and rxbuf can't be changed
#   m.deepsleep(ms)                -> raises DeepSleep(ms) (never returns, as on a board)
import sys

PWRON_RESET = 1
DEEPSLEEP_RESET = 4
_WORD = 2147483647  # mp_int_t on 32-bit ports: mp_obj_get_int overflows above this


def _pyb_names():
    n = {"X%d" % i: p for i, p in enumerate(
        "A0 A1 A2 A3 A4 A5 A6 A7 B6 B7 C4 C5".split(), 1)}
    n.update({"X17": "B3", "X18": "C13", "X19": "C0", "X20": "C1", "X21": "C2", "X22": "C3"})
    n.update({"Y%d" % i: p for i, p in enumerate(
        "C6 C7 B8 B9 B12 B13 B14 B15 B10 B11 B0 B1".split(), 1)})
    n.update({"SW": "B3", "LED_RED": "A13", "LED_GREEN": "A14", "LED_YELLOW": "A15",
              "LED_BLUE": "B4", "MMA_INT": "B2", "MMA_AVDD": "B5", "SD": "A8", "SD_SW": "A8",
              "USB_VBUS": "A9", "USB_ID": "A10", "USB_DM": "A11", "USB_DP": "A12"})
    return n


def _nucleo_names():
    n = {"D%d" % i: p for i, p in enumerate(
        "A3 A2 A10 B3 B5 B4 B10 A8 A9 C7 B6 A7 A6 A5 B9 B8".split())}
    n.update({"A0": "A0", "A1": "A1", "A2": "A4", "A3": "B0", "A4": "C1", "A5": "C0",
              "LED_GREEN": "A5", "SW": "C13", "PD2": "D2", "PH0": "H0", "PH1": "H1"})
    return n


def _nucleo_p(p):
    # pins.csv also names PA0..PC15 by their own names (not PA13/PA14: SWD)
    return p[:1] == "P" and _is_cpu(p[1:]) and p not in ("PA13", "PA14") and p[1] in "ABC"


def _is_cpu(p):
    # the F405/L476 LQFP64 GPIOs: A0..C15, D2, H0, H1
    return p in ("D2", "H0", "H1") or (
        p[:1] in ("A", "B", "C") and p[1:].isdigit() and int(p[1:]) < 16)


_SPECS = {  # hw -> (port, machine name, UART ids, REPL UART, extra)
    "esp32": ("esp32", "Generic ESP32 module with ESP32", (0, 1, 2), 0, ()),
    "esp32_spiram": ("esp32", "Generic ESP32 module with SPIRAM with ESP32", (0, 1, 2), 0,
                     (16, 17)),
    "esp32c3": ("esp32", "ESP32C3 module with ESP32-C3", (0, 1), 0, ()),
    "pybv11": ("stm32", "PYBv1.1 with STM32F405RG", (1, 2, 3, 4, 6), None, ("B", 4096)),
    "nucleo_l476rg": ("stm32", "NUCLEO-L476RG with STM32L476RG", (1, 2, 3, 4, 5), 2, ("I", 32)),
}


def _profile(hw):
    port, name, uarts, repl, extra = _SPECS[hw]
    p = {"port": port, "machine": name, "uarts": uarts, "repl": repl}
    if hw == "esp32c3":
        p["pins"] = lambda n: 0 <= n < 14 or n in (20, 21)
        p["input_only"] = ()
    elif port == "esp32":  # GPIO0..39 without 24, 28..31; no 16/17 with SPIRAM
        p["pins"] = lambda n: 0 <= n < 40 and n not in (24, 28, 29, 30, 31) and n not in extra
        p["input_only"] = (34, 35, 36, 37, 38, 39)
    if port == "esp32":
        p["rtc_mem"] = 2048
    else:
        p["board"] = _pyb_names() if hw == "pybv11" else _nucleo_names()
        p["backup"] = extra
    return p


# which hardware each of our variants runs on
VARIANT_HW = {"esp32_devkitc": "esp32", "esp32_wrover": "esp32_spiram", "esp32_c3": "esp32c3",
              "pyboard_v11": "pybv11", "nucleo_l476rg": "nucleo_l476rg"}


class Reset(BaseException):
    """machine.reset() was called: on a board the MCU restarts now."""


class DeepSleep(BaseException):
    """machine.deepsleep(ms) was called: on a board the MCU is off now."""

    def __init__(self, ms):
        super().__init__(ms)
        self.ms = ms


class _Machine:
    PWRON_RESET = PWRON_RESET
    DEEPSLEEP_RESET = DEEPSLEEP_RESET

    def __init__(self, hw):
        self.hw = _profile(hw)
        self.name = hw
        self.log = []  # ("pin", name, value) / ("uart", id, kwargs)
        self.cause = PWRON_RESET
        self.sleeps = []
        self._uarts = {}
        self._rtc = bytearray()
        self._backup = None
        m = self

        class Pin:
            IN = 1
            OUT = 3
            OPEN_DRAIN = 7
            PULL_UP = 1
            PULL_DOWN = 2

            def __init__(self, p, mode=-1, pull=-1, value=None):
                self.p = m.pin_name(p)
                self.init(mode, pull, value)

            def init(self, mode=-1, pull=-1, value=None):
                if mode not in (-1, Pin.IN, Pin.OUT, Pin.OPEN_DRAIN):
                    raise ValueError("invalid pin mode")
                if pull not in (-1, None, Pin.PULL_UP, Pin.PULL_DOWN):
                    raise ValueError("invalid pull")
                if mode in (Pin.OUT, Pin.OPEN_DRAIN) and self.p in m.hw.get("input_only", ()):
                    raise ValueError("pin can only be input")
                if mode != -1:
                    self.mode = mode
                if value is not None:
                    m.log.append(("pin", self.p, value))

            def value(self, v=None):
                if v is None:  # an input reads what is attached (a level or a device)
                    d = m.devices.get(self.p, 1)
                    return d() if callable(d) else d
                m.log.append(("pin", self.p, v))

        class UART:
            def __init__(self, uid, *a, **kw):
                m.uart_check(uid, kw)
                m.log.append(("uart", uid, kw))
                self.uid = uid
                self.written = []

            def write(self, b):
                self.written.append(bytes(b))
                return len(b)

            def readinto(self, buf):
                return None

            def any(self):
                return 0

        class RTC:
            def memory(self, data=None):
                if "rtc_mem" not in m.hw:
                    raise AttributeError("memory")
                if data is None:
                    return bytes(m._rtc)
                if len(data) > m.hw["rtc_mem"]:
                    raise ValueError("buffer too long")
                m._rtc[:] = data

        self.devices = {}  # pin name -> level, volts at an ADC pin, or a device model
        self.Pin = Pin
        self.ADC = lambda pin, atten=None: _ADC(m, pin)
        self.UART = UART
        self.RTC = RTC
        if "backup" in self.hw:
            self.mem_backup = self._mem_backup

    def pin_name(self, p):
        # -> the pin's canonical name; ValueError as the port raises it
        hw = self.hw
        if hw["port"] == "esp32":
            if isinstance(p, int) and hw["pins"](p):
                return p
            raise ValueError("invalid pin")
        if isinstance(p, str):
            if p in hw["board"]:  # pin.c pin_find: board names first, then cpu names
                return hw["board"][p]
            if _is_cpu(p):
                return p
            if self.name == "nucleo_l476rg" and _nucleo_p(p):
                return p[1:]
        raise ValueError("Pin(%s) doesn't exist" % p)

    def adc_pin(self, p):
        # the ports' ADC-capable pins (ESP32: ADC1 32..39, ADC2 0, 2, 4, 12..15, 25..27;
        # C3: ADC1 0..4, ADC2 5; STM32 F405/L476: PA0..PA7, PB0, PB1, PC0..PC5)
        if self.name == "esp32c3":
            return p in (0, 1, 2, 3, 4, 5)
        if self.hw["port"] == "esp32":
            return 32 <= p <= 39 or p in (0, 2, 4, 12, 13, 14, 15, 25, 26, 27)
        return p in ("A0", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "B0", "B1", "C0", "C1",
                     "C2", "C3", "C4", "C5")

    def dht_readinto(self, pin, buf):
        """Stand-in for the C ``dht_readinto`` (drivers/dht/dht.c; the esp32 port has it
        as ``esp.dht_readinto``, stm32 as ``pyb.dht_readinto``; here as ``machine``'s,
        where micropython-lib's dht.py looks first) over the pulse train of the DHT (drivers/dht/dht.c) over the pulse train of the DHT
        model attached to ``pin``: start pulse (18 ms low), the sensor's 80/80 us answer,
        then 40 bits, each 50 us low and 26-28 us (0) or 70 us (1) high. Decoded as the C
        code does: a high pulse over 48 us is a 1; no edge within 100 us (150 us for the
        answer): OSError(ETIMEDOUT)."""
        dev = self.devices.get(pin.p)
        if len(buf) < 5:
            raise ValueError("buffer too small")
        pulses = dev.pulses() if dev is not None and hasattr(dev, "pulses") else []
        # pulses: [(level, us), ...] after the host released the line
        highs = [us for level, us in pulses if level == 1]
        lows = [us for level, us in pulses if level == 0]
        if not lows or lows[0] > 100 or not highs or highs[0] > 150:
            raise OSError(110)
        bits = highs[1:]
        if len(bits) < 40 or max(lows[1:41] or [999]) > 100:
            raise OSError(110)
        for i in range(5):
            buf[i] = 0
        for i in range(40):
            if bits[i] > 100:
                raise OSError(110)
            buf[i // 8] = (buf[i // 8] << 1 | (bits[i] > 48)) & 0xFF

    def uart_check(self, uid, kw):
        hw = self.hw
        if hw["port"] == "esp32":
            if uid not in hw["uarts"]:
                raise ValueError("UART(%d) does not exist" % uid)
            for k in kw:
                if k not in ("baudrate", "bits", "parity", "stop", "tx", "rx", "rts", "cts",
                             "txbuf", "rxbuf", "timeout", "timeout_char", "invert", "flow"):
                    raise TypeError("unexpected keyword argument '%s'" % k)
            if uid == hw["repl"] and kw.get("rxbuf", 256) != 256:
                raise ValueError("REPL UART buffer size is fixed")
            for k in ("tx", "rx"):
                if k in kw:
                    self.pin_name(kw[k])
                    if k == "tx" and kw[k] in hw["input_only"]:
                        raise ValueError("pin can only be input")
            return
        if uid not in hw["uarts"]:
            raise ValueError("UART(%d) doesn't exist" % uid)
        for k in kw:
            if k not in ("baudrate", "bits", "parity", "stop", "flow", "timeout",
                         "timeout_char", "rxbuf", "read_buf_len"):
                raise TypeError("unexpected keyword argument '%s'" % k)
        if uid == hw["repl"] and "rxbuf" in kw:
            raise ValueError("UART is static and rxbuf can't be changed")

    def deepsleep(self, ms):
        if not -_WORD - 1 <= ms <= _WORD:
            raise OverflowError("overflow converting long int to machine word")
        if ms < 0:
            raise ValueError("stand-in: a negative sleep (the port would misbehave)")
        if self.hw["port"] == "stm32" and ms > 32000:  # rtc.c: 1 Hz, wut <= 2 * 0x10000
            wut = ms // 1000
            if wut > 0x10000 and wut - 0x10000 > 0x10000:
                raise ValueError("wakeup value too large")
        self.sleeps.append(ms)
        self.cause = DEEPSLEEP_RESET
        raise DeepSleep(ms)

    def lightsleep(self, ms=None):
        # both ports: returns after the sleep (esp32 light sleep, stm32 stop mode)
        self.log.append(("lightsleep", ms))

    def reset(self):
        self.resets = getattr(self, "resets", 0) + 1
        raise Reset()

    def reset_cause(self):
        return self.cause

    def _mem_backup(self, region=0):
        kind, n = self.hw["backup"]
        if self._backup is None:
            self._backup = _Region(kind, n)
        return self._backup


class _ADC:
    # machine.ADC: the 16-bit read_u16 every port has, on the ports' ADC pins only; reads
    # the volts attached to the pin (m.devices[pin], a number or a function)
    def __init__(self, m, pin):
        p = pin.p if hasattr(pin, "p") else m.pin_name(pin)
        if not m.adc_pin(p):
            raise ValueError("invalid pin" if m.hw["port"] == "esp32"
                             else "pin %s does not have ADC capabilities" % p)
        self.m = m
        self.p = p

    def read_u16(self):
        volts = self.m.devices.get(self.p, 0.0)
        volts = volts() if callable(volts) else volts
        return max(0, min(65535, int(volts / 3.3 * 65535 + 0.5)))


class _Region:
    # machine.mem_backup()'s memoryview ('B' bytes or 'I' words), with .itemsize (this
    # unix build's memoryview has none)
    def __init__(self, kind, n):
        import array
        # bytes: one allocation (not a zero bytes object copied into an array: 8 KB at the
        # peak for the F4's 4 KB, which a fragmented 40 KB heap may not have)
        self.a = bytearray(n) if kind == "B" else array.array(kind, bytes(4 * n))
        self.itemsize = 4 if kind == "I" else 1

    def __len__(self):
        return len(self.a)

    def __getitem__(self, i):
        return self.a[i]

    def __setitem__(self, i, v):
        if isinstance(i, slice):
            for k, x in enumerate(v):
                self.a[(i.start or 0) + k] = x
        else:
            self.a[i] = v


def install(hw):
    """Make ``machine`` (and ``os.uname().machine`` via ``.hw["machine"]``) this hardware."""
    m = _Machine(VARIANT_HW.get(hw, hw))
    sys.modules["machine"] = m
    return m
