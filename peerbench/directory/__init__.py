"""Open Referral UK (HSDS 3.0 UK profile): the pool's services as a directory listing.

``peerbench directory export`` is a thin shell over :func:`export_directory`; the
mapping from the standard's ``organisation`` and ``service`` records is in
:mod:`peerbench.directory.mapping` (SPEC §15), the schema check in
:mod:`peerbench.directory.schemas`.
"""

from peerbench.directory.export import (
    DirectoryExport,
    DirectoryInvalid,
    build_list,
    export_directory,
    organization_list,
    service_list,
)
from peerbench.directory.schemas import SchemaProblem, check_page
from peerbench.directory.sources import DirectorySourceError, directory_tables

__all__ = [
    "DirectoryExport",
    "DirectoryInvalid",
    "DirectorySourceError",
    "SchemaProblem",
    "build_list",
    "check_page",
    "directory_tables",
    "export_directory",
    "organization_list",
    "service_list",
]
