"""The one comparable form of a header, label, answer word or sheet name.

It lives in ``schema`` (the bottom layer) so the instrument registry can match response
labels with it; everything above uses it as
:func:`peerbench.io.headers.normalise_header`.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = {
    "\u00a0": " ",  # no-break space
    "\u2007": " ",  # figure space
    "\u202f": " ",  # narrow no-break space
    "\ufeff": "",  # byte-order mark left at the start of a CSV's first header
    "\u200b": "",  # zero-width space
}
_SPACE_TABLE = str.maketrans(_SPACES)


def normalise_label(text: str) -> str:
    """The comparable form of a header, label or sheet name.

    NFKC-normalised (full-width letters and ligatures become plain ones), non-breaking
    and zero-width spaces and a byte-order mark removed or made plain spaces, surrounding
    whitespace stripped, internal runs of whitespace (spaces, tabs, line breaks inside a
    cell) collapsed to one space, and case-folded.

    Example:
        >>> normalise_label("  Client\u00a0ID\\n")
        'client id'
    """
    plain = unicodedata.normalize("NFKC", text).translate(_SPACE_TABLE)
    return " ".join(plain.split()).casefold()


def field_form(text: str) -> str:
    """A header in the form of a field name: ``First Name`` → ``first_name``.

    :func:`normalise_label`, then runs of spaces, dots and hyphens made one underscore
    and underscores at the ends dropped (``D.O.B.`` → ``d_o_b``), so a header typed as
    words is recognised as the standard field (``Service ID`` → ``service_id``) and as
    the name of a kind of personal detail.
    """
    return re.sub(r"[\s.\-]+", "_", normalise_label(text)).strip("_")
