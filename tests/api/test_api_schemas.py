"""Request/response models: generated from the standard, and free of secrets."""

from __future__ import annotations

from peerbench.api.schemas import KeyPublic, SubmissionBundle
from peerbench.schema.records import RECORD_TYPES_BY_STEM


def test_bundle_has_one_array_per_record_type() -> None:
    arrays = set(SubmissionBundle.model_fields) - {"period", "standard_version", "organisation_id"}
    assert arrays == set(RECORD_TYPES_BY_STEM)


def test_public_key_has_no_secret_or_hash() -> None:
    assert not {"secret", "key_hash", "hash"} & set(KeyPublic.model_fields)
