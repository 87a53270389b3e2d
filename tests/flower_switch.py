"""A loopback TCP switch that plays Route 53 plus a broken connection for the failover test.

Clients dial the switch's own 127.0.0.1 port; it relays each connection to the aggregator it
currently points at. ``point_at`` changes the target and closes every relayed connection, as a
failed aggregator or a network change would: a client that then dials again reaches the new
target (what a gRPC channel does when it re-resolves a DNS name after losing its connection).
Threads only, 127.0.0.1 only, every socket closed by ``close``.
"""

from __future__ import annotations

import contextlib
import socket
import threading

LOOPBACK = "127.0.0.1"


class TcpSwitch:
    def __init__(self, target_port: int):
        self.target_port = target_port
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._listener = socket.create_server((LOOPBACK, 0))
        self._listener.settimeout(0.5)
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def point_at(self, port: int) -> None:
        """Relay new connections to ``127.0.0.1:port``; drop every current one."""
        with self._lock:
            self.target_port = port
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def upstream_ports(self) -> list[int]:
        """The aggregator port of every connection currently relayed."""
        with self._lock:
            ports = []
            for _, upstream in self._pairs:
                with contextlib.suppress(OSError):
                    ports.append(upstream.getpeername()[1])
            return ports

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                port = self.target_port
            try:
                upstream = socket.create_connection((LOOPBACK, port), timeout=2)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            with self._lock:
                self._pairs = [p for p in self._pairs if source not in p]

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        self._thread.join(timeout=5)
        self.point_at(self.target_port)
