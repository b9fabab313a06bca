"""Who is asking: an API key (CLI, JSON API) or a signed-in user (portal).

Both carry the same scope attributes, so every scope rule (``visible_organisations``,
``benchmark_scope``, extracts, reports) is written once against :class:`Principal` and
serves both shells. The audit actor is the principal's ``id`` (``key_…`` or ``usr_…``).
"""

from __future__ import annotations

from typing import Protocol


class Principal(Protocol):
    """The scope of an :class:`~peerbench.server.db.models.ApiKey` or a
    :class:`~peerbench.server.db.models.User`."""

    @property
    def id(self) -> str:
        """``key_…`` or ``usr_…``: what the audit log records as the actor."""
        ...

    @property
    def role(self) -> str:
        """A :class:`~peerbench.server.db.models.Role` value."""
        ...

    @property
    def organisation_id(self) -> str | None:
        """The organisation (submitters; some researchers)."""
        ...

    @property
    def network_id(self) -> str | None:
        """The network (network analysts; some researchers)."""
        ...

    @property
    def project(self) -> str | None:
        """The approved project (researchers)."""
        ...
