"""The version of the Peer Support Outcomes Standard this package implements."""

STANDARD_VERSION = "1.0.0"
"""SemVer of the standard (not of the package). See SPEC.md "Versioning"."""

STANDARD_MAJOR = int(STANDARD_VERSION.split(".")[0])

PARQUET_VERSION_KEY = b"peerbench.standard_version"
"""Parquet key-value metadata key that declares the standard version of a file."""

PARQUET_RECORD_TYPE_KEY = b"peerbench.record_type"
"""Parquet key-value metadata key that names the record type a file holds."""
