"""The client's connection handling against a plain local HTTP server (no service needed): one
kept-alive connection per thread, and a kept-alive connection the server closed replaced for a call
that is safe to send again, never for one that may already have been done."""
import http.server
import json
import threading

import pytest

from tuning_client.errors import TuningError
from tuning_client.transport import Transport


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, close_after_answer: bool):
        super().__init__(("127.0.0.1", 0), Handler)
        self.close_after_answer = close_after_answer
        self.answered = 0
        self.client_ports = []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # As Node's HTTP server: a response's header and body writes are not held back for an ACK.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.answered += 1
        self.server.client_ports.append(self.client_address[1])
        body = json.dumps({"n": self.server.answered}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        # Closes the connection without saying so, as a server that restarted or timed it out does.
        self.close_connection = self.server.close_after_answer

    do_GET = do_POST = answer


def test_calls_share_one_kept_alive_connection_per_thread():
    server = Server(close_after_answer=False)
    try:
        transport = Transport(server.url, "token")
        assert [transport.request("GET", "/x")["n"] for _ in range(3)] == [1, 2, 3]
        assert len(set(server.client_ports)) == 1
        other = threading.Thread(target=lambda: transport.request("GET", "/x"))
        other.start()
        other.join()
        assert len(set(server.client_ports)) == 2
    finally:
        server.shutdown()


def test_a_connection_the_server_closed_is_replaced_only_for_calls_safe_to_resend():
    server = Server(close_after_answer=True)
    try:
        transport = Transport(server.url, "token")
        assert transport.request("GET", "/x") == {"n": 1}
        # Each connection answers once: the next call finds it closed and goes again on a new one.
        assert transport.request("GET", "/x") == {"n": 2}
        assert transport.request("POST", "/x", {}, idempotent=True) == {"n": 3}
        with pytest.raises(TuningError, match="broke before an answer"):
            transport.request("POST", "/x", {})
        assert server.answered == 3
        # The broken connection was dropped: the next call starts a new one.
        assert transport.request("POST", "/x", {}) == {"n": 4}
    finally:
        server.shutdown()


def test_a_service_url_without_http_is_refused():
    with pytest.raises(TuningError, match="http:// or https://"):
        Transport("127.0.0.1:8000", "token")
