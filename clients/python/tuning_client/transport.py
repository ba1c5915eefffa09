"""JSON over HTTP with urllib: the bearer token, the API's errors, and retries of refused requests."""
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional

from .errors import ApiError, TuningError

API_PREFIX = "/api/v1"
# 429 (rate limit) and 503 (Temporal unreachable) were refused before anything was done: safe to resend.
RETRIED_STATUSES = (429, 503)
MAX_ATTEMPTS = 6


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
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        url = self.root + API_PREFIX + path
        for attempt in range(1, MAX_ATTEMPTS + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    text = response.read().decode()
                    return json.loads(text) if text else None
            except urllib.error.HTTPError as err:
                if err.code in RETRIED_STATUSES and attempt < MAX_ATTEMPTS:
                    time.sleep(retry_delay(err.headers.get("Retry-After"), attempt))
                    continue
                raise api_error(err, method, path) from None
            except urllib.error.URLError as err:
                # A refused connection never reached the server (a restarting API): safe to resend.
                if isinstance(err.reason, ConnectionRefusedError) and attempt < MAX_ATTEMPTS:
                    time.sleep(retry_delay(None, attempt))
                    continue
                raise TuningError(f"{method} {url}: {err.reason}") from err
        raise AssertionError("unreachable")


def retry_delay(retry_after: Optional[str], attempt: int) -> float:
    try:
        return min(float(retry_after), 30.0) if retry_after else min(0.25 * 2 ** attempt, 8.0)
    except ValueError:
        return 1.0


def api_error(err: urllib.error.HTTPError, method: str, path: str) -> ApiError:
    text = err.read().decode(errors="replace")
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        return ApiError(err.code, str(payload.get("error", text)), payload.get("detail"), method, path)
    return ApiError(err.code, text or err.reason, None, method, path)


def quote(segment: str) -> str:
    return urllib.parse.quote(str(segment), safe="")
