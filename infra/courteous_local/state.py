"""What a local run leaves behind for `courteous why`: where its gate table lives.

`courteous demo` and `courteous serve` keep DynamoDB Local's files under
`.courteous/local/dynamodb/` and write `.courteous/local/stack.json` with the table
names, the shops, the throwaway contact key and, while the stack runs, its endpoint.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, ConfigDict

STATE_DIR = Path(".courteous") / "local"


class LocalState(BaseModel):
    model_config = ConfigDict(frozen=True)

    gate_table: str
    contact_key: str
    audience_table: str | None = None
    shops: list[str]
    dynamodb_db_path: str | None = None
    dynamodb_endpoint: str | None = None
    dynamodb_engine: str = "DynamoDB Local"
    # While the stack runs: moto's endpoint (SSM, Scheduler, S3 ...) and the names the
    # operator's commands need (CustomerTable, ScheduleGroup, TemplateBucket ...).
    aws_endpoint: str | None = None
    names: dict[str, str] = {}
    # The virtual clock as last saved, when (wall clock) and how fast it runs.
    clock_at: AwareDatetime | None = None
    clock_saved_at: AwareDatetime | None = None
    clock_speed: float = 1.0

    def virtual_now(self) -> datetime:
        """The running stack's virtual time, from its last saved reading."""
        wall = datetime.now(UTC)
        if self.clock_at is None or self.clock_saved_at is None:
            return wall
        return self.clock_at + (wall - self.clock_saved_at) * self.clock_speed

    @classmethod
    def path(cls, root: Path | None = None) -> Path:
        return (root or Path.cwd()) / STATE_DIR / "stack.json"

    def save(self, root: Path | None = None) -> Path:
        path = self.path(root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2), encoding="utf-8")
        return path

    @classmethod
    def load(cls, root: Path | None = None) -> LocalState | None:
        path = cls.path(root)
        if not path.is_file():
            return None
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
