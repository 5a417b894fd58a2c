"""Settings read from a function's environment: one field per variable, upper-cased."""

from __future__ import annotations

import os
from typing import Self

from pydantic import BaseModel, ConfigDict


class EnvSettings(BaseModel):
    """A frozen model whose fields come from the environment variables of their names."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_env(cls) -> Self:
        values = {
            name: os.environ[name.upper()]
            for name in cls.model_fields
            if name.upper() in os.environ
        }
        return cls.model_validate(values)
