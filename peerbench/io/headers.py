"""One way to compare headers, labels and sheet names, used by every command.

A spreadsheet typed by hand has headers like ``"Client ID "``, ``"client  id"`` or
``"Client\u00a0ID"`` (a non-breaking space pasted from a web page); all of them are
the same header. Every command that matches a header (the readers, mapping files,
``pseudonymise --column``, ``map``) and the instrument registry's answer words compare
them through :func:`normalise_header`, so a header found by one command is found by all.
The implementation is :func:`peerbench.schema.labels.normalise_label` (the bottom
layer, so the instrument registry can use it too); this is its name for everything above.
"""

from __future__ import annotations

from peerbench.schema.labels import field_form
from peerbench.schema.labels import normalise_label as normalise_header

__all__ = ["field_form", "normalise_header"]
