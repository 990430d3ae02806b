# Third-party MicroPython drivers the tests need (micropython-lib's onewire, ds18x20, dht
# from ../shared/vendor; host_tests/conftest.py copies them to build/mpy/vendor, and
# test_mcu_mp.py to the QEMU board's /lib). need() raises Missing where they are absent:
# mprunner reports SKIP, and pytest skips (fails under BC66_REQUIRE_VENDOR=1).
import sys


class Missing(Exception):
    pass


def need(*names):
    """Import the driver modules ``names`` -> list of modules; Missing if one is absent."""
    if sys.platform != "linux" and "/lib" not in sys.path:
        sys.path.append("/lib")
    out = []
    for n in names:
        try:
            out.append(__import__(n))
        except ImportError:
            raise Missing("micropython-lib's %s driver is not here: it comes from "
                          "../shared/vendor/micropython-lib-*-drivers.tar.gz" % n)
    return out
