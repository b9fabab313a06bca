"""Great Expectations, imported once with the settings peerbench needs.

Import ``gx`` (and ``Column``) from here, never ``great_expectations`` directly, so the
settings below are in place before GX loads.
"""

from __future__ import annotations

import os
import warnings

# GX Core 1.x reads this before building any context. 1.24 no longer ships usage statistics,
# but the allowed range (>=1.3) includes releases that send analytics events by default,
# and a validator must never phone home with a user's run.
os.environ["GX_ANALYTICS_ENABLED"] = "False"

with warnings.catch_warnings():
    # GX 1.x imports the stdlib's sre_constants / sre_parse, which Python 3.11 deprecates;
    # with pytest's filterwarnings=error that import would fail. Silence exactly those two.
    warnings.filterwarnings(
        "ignore",
        message=r"module 'sre_(constants|parse)' is deprecated",
        category=DeprecationWarning,
    )
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

__all__ = ["Column", "gx"]
