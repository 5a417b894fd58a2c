"""The audience table of the local stack, for `courteous orders import` and
`courteous segments` when no deployed stack is named.

The last local run's table when there is one (the running stack's DynamoDB, or its
files under `.courteous/local/dynamodb`); otherwise DynamoDB Local is started on those
files and the template's tables are created there, so an import works on a fresh
checkout and the next command finds what it wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from courteous_local.servers import EngineUnavailable, dynamodb_local, local_dynamodb_client
from courteous_local.stack import LOCAL_CONTACT_KEY
from courteous_local.state import STATE_DIR, LocalState


@dataclass(frozen=True)
class LocalAudience:
    client: Any
    table: str
    contact_key: bytes
    where: str


def _usable(client: Any, table: str) -> bool:
    from botocore.exceptions import ClientError, EndpointConnectionError

    try:
        client.describe_table(TableName=table)
    except (EndpointConnectionError, ClientError):
        return False
    return True


@contextmanager
def local_audience(root: Path | None = None) -> Iterator[LocalAudience]:
    """The local audience table, started if need be; raises `EngineUnavailable`."""
    from courteous_local.provision import provision
    from courteous_local.template import default_template_path, load_template

    root = root or Path.cwd()
    state = LocalState.load(root)
    if state is not None and state.audience_table and state.dynamodb_endpoint:
        running = local_dynamodb_client(state.dynamodb_endpoint)
        if _usable(running, state.audience_table):
            yield LocalAudience(
                running, state.audience_table, state.contact_key.encode(), "the running stack"
            )
            return
    db_path = root / STATE_DIR / "dynamodb"
    if state is not None and state.dynamodb_db_path:
        db_path = Path(state.dynamodb_db_path)
    with dynamodb_local(db_path=db_path) as engine:
        client = local_dynamodb_client(engine.endpoint)
        table = state.audience_table if state and state.audience_table else ""
        if state is not None and not (table and _usable(client, table)):
            raise EngineUnavailable(
                "the last local run kept no audience table: run `make demo` again, or "
                f"remove {LocalState.path(root)} to start an empty local table"
            )
        if state is None:
            created = provision(
                load_template(default_template_path()),
                lambda service: client,
                only=frozenset({"AWS::DynamoDB::Table"}),
            )
            table = created.ref("AudienceTable")
            state = LocalState(
                gate_table=created.ref("GateTable"),
                audience_table=table,
                contact_key=LOCAL_CONTACT_KEY,
                shops=[],
                dynamodb_db_path=str(db_path.resolve()),
            )
            state.save(root)
        assert state is not None
        yield LocalAudience(
            client, table, state.contact_key.encode(), f"DynamoDB Local on {db_path}"
        )


__all__ = ["EngineUnavailable", "LocalAudience", "local_audience"]
