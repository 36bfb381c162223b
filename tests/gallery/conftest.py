from __future__ import annotations

from ..workflows.conftest import home

__all__ = ["home"]
