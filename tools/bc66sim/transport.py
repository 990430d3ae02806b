"""Byte transports of the simulator: a pty (default) or a TCP listener on 127.0.0.1."""
import errno
import os
import socket
import tty


class PtyTransport:
    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)            # no echo, no CR/LF translation on our side
        os.set_blocking(self.master, False)
        self.device = os.ttyname(self.slave)

    def read_fds(self):
        return [self.master]

    def write_fd(self):
        return self.master

    def on_readable(self, fd):
        try:
            return os.read(self.master, 4096)
        except BlockingIOError:
            return b""
        except OSError as e:
            if e.errno == errno.EIO:
                return b""
            raise

    def write(self, data):
        try:
            return os.write(self.master, data)
        except BlockingIOError:
            return 0

    def connected(self):
        return True

    def close(self):
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


class TcpTransport:
    """One client at a time; output is discarded while no client is connected."""

    def __init__(self, port=0):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(1)
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]
        self.device = "tcp://127.0.0.1:%d" % self.port
        self.client = None

    def read_fds(self):
        return [self.listener] + ([self.client] if self.client else [])

    def write_fd(self):
        return self.client

    def on_readable(self, fd):
        if fd is self.listener:
            try:
                c, _ = self.listener.accept()
            except OSError:
                return b""
            if self.client:
                self.client.close()
            c.setblocking(False)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.client = c
            return b""
        try:
            data = self.client.recv(4096)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError:
            data = b""
        if not data:
            self.client.close()
            self.client = None
        return data

    def write(self, data):
        if not self.client:
            return len(data)
        try:
            return self.client.send(data)
        except BlockingIOError:
            return 0
        except OSError:
            self.client.close()
            self.client = None
            return len(data)

    def connected(self):
        return self.client is not None

    def close(self):
        if self.client:
            self.client.close()
        self.listener.close()
