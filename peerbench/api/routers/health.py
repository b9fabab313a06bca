"""``/v1/health``: is the server up (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter

from peerbench import __version__
from peerbench.api.schemas import Health
from peerbench.schema.version import STANDARD_VERSION

router = APIRouter(prefix="/v1/health", tags=["health"])


@router.get("", response_model=Health)
def health() -> Health:
    """Liveness: answers once the server has started (database migrated, store open)."""
    return Health(status="ok", version=__version__, standard_version=STANDARD_VERSION)
