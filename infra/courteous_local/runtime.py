"""Run the template's Lambda handlers in-process, as AWS would invoke them.

Each function's module is loaded from its `CodeUri` by file path under a name unique to
the stack (two functions may both have a `handler.py`), and called with a real-shaped
event and a Lambda context. Nothing about a handler is special-cased here.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from courteous_local.provision import FunctionSpec

_STACK_IDS = itertools.count(1)


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    timeout_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


@dataclass
class Invocation:
    function: str
    trigger: str
    ok: bool
    error: str | None = None


class InProcessFunction:
    def __init__(self, spec: FunctionSpec, stack_id: int, arn: str) -> None:
        self.spec = spec
        self.arn = arn
        self._module_name = f"courteous_fn_{stack_id}_{spec.logical_id}"
        self._handler: Callable[[Any, Any], Any] | None = None

    @property
    def logical_id(self) -> str:
        return self.spec.logical_id

    def _load(self) -> Callable[[Any, Any], Any]:
        if self._handler is None:
            path = self.spec.module_file
            if not path.is_file():
                raise FileNotFoundError(f"{self.logical_id}: no handler module at {path}")
            module_spec = importlib.util.spec_from_file_location(self._module_name, path)
            if module_spec is None or module_spec.loader is None:
                raise ImportError(f"{self.logical_id}: cannot load {path}")
            module: ModuleType = importlib.util.module_from_spec(module_spec)
            sys.modules[self._module_name] = module
            module_spec.loader.exec_module(module)
            self._handler = getattr(module, self.spec.function_name)
        return self._handler

    def invoke(self, event: Any) -> Any:
        handler = self._load()
        context = LambdaContext(
            function_name=self.logical_id,
            invoked_function_arn=self.arn,
            timeout_ms=30_000,
        )
        return handler(event, context)

    def unload(self) -> None:
        sys.modules.pop(self._module_name, None)
        self._handler = None


def new_stack_id() -> int:
    return next(_STACK_IDS)
