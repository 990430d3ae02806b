"""A command run as a terminal runs it, for tests that stop it the way a user does."""
import os
import re
import signal
import subprocess
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Proc:
    """A command in its own process group, as a terminal runs it (Ctrl-C reaches the whole
    group); its output lines collected."""

    def __init__(self, cmd, env=None):
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, cwd=ROOT, start_new_session=True,
                                  env=dict(os.environ, **(env or {})))
        self.lines = []
        self._cv = threading.Condition()
        self._t = threading.Thread(target=self._pump, daemon=True)
        self._t.start()

    def _pump(self):
        for line in self.p.stdout:
            with self._cv:
                self.lines.append(line.rstrip("\n"))
                self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    def wait_line(self, rx, timeout=120):
        with self._cv:
            ok = self._cv.wait_for(lambda: any(re.search(rx, x) for x in self.lines)
                                   or self.p.poll() is not None, timeout)
            assert ok and any(re.search(rx, x) for x in self.lines), "\n".join(self.lines[-30:])

    def ctrl_c(self):
        """What a terminal does on Ctrl-C: SIGINT to every process of the foreground group."""
        os.killpg(self.p.pid, signal.SIGINT)

    def wait(self, timeout=120):
        try:
            code = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()
            raise AssertionError("still running after %d s:\n%s"
                                 % (timeout, "\n".join(self.lines[-30:])))
        self._t.join(5)
        return code

    def kill(self):
        """SIGKILL to the whole group (a make that ended may leave its children running)."""
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.p.wait()

    @property
    def text(self):
        return "\n".join(self.lines)
