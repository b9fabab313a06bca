"""peerbench: an open standard and toolkit for peer-support outcome data."""

from peerbench.schema.version import STANDARD_VERSION

__version__ = "0.1.0"

__all__ = ["STANDARD_VERSION", "__version__"]
