"""The base of every scenario section: unknown keys are errors, values are immutable.

Its own module so that sections defined outside `topology.config` (e.g. `topology.uptake`) and
`topology.config` itself can share it without importing each other.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
