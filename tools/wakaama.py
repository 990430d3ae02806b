"""Eclipse Wakaama's example ``lwm2mserver``, built from ``../shared/vendor`` and driven on stdin.

``build()`` unpacks the vendored Wakaama and tinydtls tarballs into ``build/vendor/`` and
builds the one target ``lwm2mserver`` with cmake (UDP, TLV support on), once; later calls
reuse the binary. ``Wakaama(port)`` runs it on UDP/IPv4 and sends one stdin command per
``> `` prompt (the server handles one command per wake-up); its output lines are kept in
``lines`` and waited for with ``wait_line``. Traffic goes to 127.0.0.1 only: the server binds
the wildcard address, the clients we run send to 127.0.0.1.

    python -m tools.wakaama build          # prints the binary's path
    python -m tools.wakaama run [PORT]     # the server on this terminal (5683 by default)
"""
import os
import re
import subprocess
import sys
import threading
import time

from tools.board import vendor

SRC = os.path.join(vendor.BUILD, "src")
OUT = os.path.join(vendor.BUILD, "wakaama-server")
BINARY = os.path.join(OUT, "lwm2mserver")


class WakaamaError(RuntimeError):
    """Wakaama could not be built, started, or did not print what was expected in time."""


def build():
    """Build ``lwm2mserver`` once into build/vendor -> its path (FileNotFoundError when the
    vendored sources are absent, WakaamaError when the build fails)."""
    if os.path.exists(BINARY):
        return BINARY
    vendor.unpack("wakaama-", os.path.join(SRC, "wakaama-tar"))
    vendor.unpack("tinydtls-", os.path.join(SRC, "tinydtls-tar"))
    waka = os.path.join(SRC, "wakaama-tar", "wakaama")
    dtls_dest = os.path.join(waka, "transport", "tinydtls", "third_party", "tinydtls")
    if not os.path.exists(os.path.join(dtls_dest, "dtls.h")):
        if os.path.isdir(dtls_dest):
            os.rmdir(dtls_dest)          # the empty submodule folder of the snapshot
        os.makedirs(os.path.dirname(dtls_dest), exist_ok=True)
        os.symlink(os.path.join(SRC, "tinydtls-tar", "tinydtls"), dtls_dest)
    tmp = OUT + ".tmp"
    os.makedirs(tmp, exist_ok=True)
    steps = [["cmake", "-S", os.path.join(waka, "examples", "server"), "-B", tmp,
              "-DWAKAAMA_UNIT_TESTS=OFF", "-DCMAKE_C_FLAGS=-DLWM2M_SUPPORT_TLV",
              "-DCMAKE_BUILD_TYPE=Release"],
             ["cmake", "--build", tmp, "--target", "lwm2mserver", "-j", "2"]]
    for cmd in steps:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode:
            raise WakaamaError("%s failed:\n%s" % (" ".join(cmd[:2]), p.stdout[-3000:]))
    if os.path.exists(OUT):
        import shutil
        shutil.rmtree(OUT)
    os.rename(tmp, OUT)
    return BINARY


def available():
    """None when Wakaama can be built here, else the reason it cannot."""
    if vendor.tarball("wakaama-") is None or vendor.tarball("tinydtls-") is None:
        return "vendored Wakaama/tinydtls sources not found in %s" % vendor.VENDOR
    import shutil
    for tool in ("cmake", "cc"):
        if shutil.which(tool) is None:
            return "%s is not installed" % tool
    return None


class Wakaama:
    """One ``lwm2mserver -4 -l PORT`` process; ``command`` sends a stdin line per prompt."""

    def __init__(self, port, echo=None):
        self.port = port
        self.echo = echo
        self.lines = []          # every output line (prompts stripped)
        self.proc = None
        self._cv = threading.Condition()
        self._prompts = 0

    def start(self, timeout=10.0):
        self.proc = subprocess.Popen([build(), "-4", "-l", str(self.port)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        threading.Thread(target=self._pump, daemon=True).start()
        self._wait(lambda: self._prompts > 0, timeout, "its first prompt")
        return self

    def _pump(self):
        buf = b""
        while True:
            data = self.proc.stdout.read1(4096) if hasattr(self.proc.stdout, "read1") \
                else os.read(self.proc.stdout.fileno(), 4096)
            if not data:
                break
            buf += data
            with self._cv:
                while True:
                    if buf.startswith(b"> "):
                        buf = buf[2:]
                        self._prompts += 1
                        continue
                    i = buf.find(b"\n")
                    if i < 0:
                        break
                    line = buf[:i].decode("utf-8", "replace").rstrip("\r")
                    buf = buf[i + 1:]
                    if line.startswith("> "):       # a prompt followed by output
                        self._prompts += 1
                        line = line[2:]
                    self.lines.append(line)
                    if self.echo:
                        self.echo(line)
                self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    def _wait(self, pred, timeout, what):
        end = time.monotonic() + timeout
        with self._cv:
            while not pred():
                left = end - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise WakaamaError("Wakaama: no %s within %.1f s; last lines:\n%s"
                                       % (what, timeout, "\n".join(self.lines[-20:])))
                self._cv.wait(min(left, 0.2))

    def command(self, line, timeout=30.0):
        """Send one command and wait for the prompt that follows it."""
        with self._cv:
            n = self._prompts
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()
        self._wait(lambda: self._prompts > n, timeout, "prompt after %r" % line)

    def wait_line(self, pattern, timeout=30.0, start=0):
        """Wait for an output line matching ``pattern`` (regex) at index >= start -> match."""
        rx = re.compile(pattern)
        found = []

        def seen():
            for line in self.lines[start:]:
                m = rx.search(line)
                if m:
                    found.append(m)
                    return True
            return False
        self._wait(seen, timeout, "line like %r" % pattern)
        return found[0]

    def mark(self):
        """The index of the next output line (for ``wait_line(start=...)``)."""
        with self._cv:
            return len(self.lines)

    def text(self, start=0):
        with self._cv:
            return "\n".join(self.lines[start:])

    def stop(self, timeout=5.0):
        """Quit with ``q``; kill it by its pid if it does not exit."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.proc.stdin.write(b"q\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def free_udp_port():
    """A UDP port free on 127.0.0.1 right now."""
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main(argv):
    if argv[:1] == ["build"]:
        print(build())
        return 0
    if argv[:1] == ["run"]:
        port = int(argv[1]) if len(argv) > 1 else 5683
        os.execv(build(), [BINARY, "-4", "-l", str(port)])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
