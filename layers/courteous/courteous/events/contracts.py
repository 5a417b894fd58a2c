"""Published JSON schemas of the canonical events (`courteous/events/schemas/`).

`python -m courteous.events.contracts` rewrites them after a deliberate change; the
contract test fails whenever a model's shape no longer matches its published schema.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from courteous.events.models import PUBLISHED_TYPES, SCHEMA_VERSION, CanonicalEvent

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"


def schema_path(detail_type: str) -> Path:
    return SCHEMAS_DIR / f"{detail_type}.v{SCHEMA_VERSION}.json"


def contract_of(model: type[CanonicalEvent]) -> dict[str, Any]:
    """What a producer must send (validation) and what is on the bus (serialization)."""
    return {
        "source": model.SOURCE,
        "detail-type": model.DETAIL_TYPE,
        "schema_version": SCHEMA_VERSION,
        "validation": model.model_json_schema(mode="validation"),
        "serialization": model.model_json_schema(mode="serialization"),
    }


def render(contract: dict[str, Any]) -> str:
    return json.dumps(contract, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(directory: Path = SCHEMAS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for detail_type, model in sorted(PUBLISHED_TYPES.items()):
        path = directory / schema_path(detail_type).name
        path.write_text(render(contract_of(model)), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - maintenance command
    for written_path in write_schemas():
        print(written_path, file=sys.stderr)
