"""JSON over HTTP with the standard library: the bearer token, the API's errors, retries of refused
requests, and one kept-alive connection per thread, so a study's calls (several a second with
`optimize`) skip a TCP handshake each, and over https a TLS one too."""
import http.client
import json
import os
import socket
import threading
import time
import urllib.parse
from typing import Any, Optional

from .errors import ApiError, TuningError

API_PREFIX = "/api/v1"
# 429 (rate limit) and 503 (Temporal unreachable) were refused before anything was done: safe to resend.
RETRIED_STATUSES = (429, 503)
MAX_ATTEMPTS = 6
# Node's HTTP server closes a connection idle for 5 s; one idle longer than this is not reused, so
# a request is not written into a socket the server is closing.
IDLE_REUSE_SECONDS = 4.0
# A kept-alive connection the server closed (it restarted, or a proxy timed it out) fails on reuse.
BROKEN_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


def server_root(url: str) -> str:
    """The server's root from what a user may type: with or without /api/v1 and trailing slashes."""
    root = url.rstrip("/")
    if root.endswith(API_PREFIX):
        root = root[: -len(API_PREFIX)]
    return root


class Transport:
    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 60.0):
        url = url or os.environ.get("TUNE_URL")
        token = token or os.environ.get("TUNE_TOKEN")
        if not url:
            raise TuningError("no service URL: pass url=... or set TUNE_URL")
        if not token:
            raise TuningError("no API token: pass token=... or set TUNE_TOKEN")
        self.root = server_root(url)
        parts = urllib.parse.urlsplit(self.root)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TuningError(f"the service URL must be http:// or https:// with a host, got {url!r}")
        self._connect = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._host, self._port, self._path = parts.hostname, parts.port, parts.path
        self.token = token
        self.timeout = timeout
        self._local = threading.local()

    def request(self, method: str, path: str, body: Any = None, idempotent: Optional[bool] = None) -> Any:
        """One API call. `idempotent` (default: any method but POST) lets a call whose kept-alive
        connection broke before its answer be sent again on a new one."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        target = self._path + API_PREFIX + path
        url = self.root + API_PREFIX + path
        resend = method != "POST" if idempotent is None else idempotent
        for attempt in range(1, MAX_ATTEMPTS + 1):
            reused = False
            try:
                connection, reused = self._connection()
                connection.request(method, target, body=data, headers=headers)
                response = connection.getresponse()
                text = response.read().decode()
            except BROKEN_CONNECTION as err:
                self._close()
                if reused and resend and attempt < MAX_ATTEMPTS:
                    continue
                raise TuningError(f"{method} {url}: the connection broke before an answer ({err!r})") from err
            except ConnectionRefusedError as err:
                # A refused connection never reached the server (a restarting API): safe to resend.
                self._close()
                if attempt < MAX_ATTEMPTS:
                    time.sleep(retry_delay(None, attempt))
                    continue
                raise TuningError(f"{method} {url}: {err}") from err
            except OSError as err:
                self._close()
                raise TuningError(f"{method} {url}: {err}") from err
            if response.will_close:
                self._close()
            else:
                self._local.last_used = time.monotonic()
            if response.status in RETRIED_STATUSES and attempt < MAX_ATTEMPTS:
                time.sleep(retry_delay(response.getheader("Retry-After"), attempt))
                continue
            if response.status >= 400:
                raise api_error(response.status, response.reason, text, method, path)
            return json.loads(text) if text else None
        raise AssertionError("unreachable")

    def _connection(self) -> "tuple[http.client.HTTPConnection, bool]":
        """This thread's connection and whether it has been used before (a new one if it was idle too long)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None and time.monotonic() - self._local.last_used > IDLE_REUSE_SECONDS:
            self._close()
            connection = None
        if connection is not None:
            return connection, True
        connection = self._connect(self._host, self._port, timeout=self.timeout)
        connection.connect()
        # A request's last small segment is not held back waiting for the ACK of the one before.
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._local.connection = connection
        return connection, False

    def _close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
        self._local.connection = None


def retry_delay(retry_after: Optional[str], attempt: int) -> float:
    try:
        return min(float(retry_after), 30.0) if retry_after else min(0.25 * 2 ** attempt, 8.0)
    except ValueError:
        return 1.0


def api_error(status: int, reason: str, text: str, method: str, path: str) -> ApiError:
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        return ApiError(status, str(payload.get("error", text)), payload.get("detail"), method, path)
    return ApiError(status, text or reason, None, method, path)


def quote(segment: str) -> str:
    return urllib.parse.quote(str(segment), safe="")
