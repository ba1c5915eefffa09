"""The real service for the Python client's tests: test/python/serve.ts (the integration harness:
fresh database, Temporal dev server, worker, API), started once per session."""
import json
import os
import queue
import subprocess
import threading
from pathlib import Path

import pytest

import tuning_client as tc

REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 300
SERVICE_MARKER = "SERVICE "


@pytest.fixture(scope="session")
def service(tmp_path_factory):
    """{url, token, other_token} of a throwaway service, torn down after the session."""
    log_path = tmp_path_factory.mktemp("service") / "service.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        ["node", "--require", "tsx/cjs", "test/python/serve.ts"],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
    )
    address: "queue.Queue[str]" = queue.Queue()

    def drain() -> None:
        # The marked line is the service's address; the rest (the Temporal dev server's output) goes
        # to the log, read to the end so the pipe never fills.
        for line in process.stdout:
            if line.startswith(SERVICE_MARKER):
                address.put(line[len(SERVICE_MARKER):])
            else:
                log.write(line)
        address.put("")

    threading.Thread(target=drain, daemon=True).start()
    try:
        try:
            line = address.get(timeout=STARTUP_SECONDS)
        except queue.Empty:
            line = ""
        if not line:
            log.flush()
            pytest.fail(f"the service did not start; its log ({log_path}):\n{log_path.read_text()[-5000:]}")
        yield json.loads(line)
    finally:
        # SIGTERM: serve.ts closes the harness (Temporal dev server, database) before it exits.
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def client(service):
    return tc.Client(service["url"], service["token"])


@pytest.fixture(scope="session")
def service_env(service):
    """The environment a user's script runs in: TUNE_URL and TUNE_TOKEN set."""
    return {**os.environ, "TUNE_URL": service["url"], "TUNE_TOKEN": service["token"]}
