"""A loopback TCP forwarder that can be cut off, to stage a network partition between a client and
a real server (Azurite): paused, it keeps every connection open and drops the bytes, so the client
waits for answers that never come."""

from __future__ import annotations

import socket
import threading


class PausableProxy:
    """Forwards ``127.0.0.1:<port>`` to ``127.0.0.1:<target_port>`` until ``pause()``."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = int(self._listener.getsockname()[1])
        self._paused = threading.Event()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def pause(self) -> None:
        """From now on nothing passes in either direction."""
        self._paused.set()

    def resume(self) -> None:
        """Bytes pass again (connections that lost bytes while paused stay broken, as after a real partition)."""
        self._paused.clear()

    def __enter__(self) -> PausableProxy:
        threading.Thread(target=self._accept, name="proxy-accept", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._sockets.extend((client, upstream))
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                return
            if self._paused.is_set():
                continue  # partitioned: the bytes are lost
            try:
                target.sendall(data)
            except OSError:
                return
