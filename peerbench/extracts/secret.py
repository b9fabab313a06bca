"""The server's extract secret: one random key, kept beside the server's data.

Every extract's own secret is derived from it (:func:`peerbench.extracts.rekey.extract_secret`).
It is made on first use as ``DATA_DIR/extract-secret.key`` (the ``peerbench keygen``
format, readable by the owner only) and must stay on the server: anyone holding it and
an extract id could recompute that extract's keys from pooled keys.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from peerbench.io.atomic import atomic_path
from peerbench.schema.pseudonym import format_key_file, new_secret, read_key_file

SECRET_FILE_NAME = "extract-secret.key"


def server_secret(data_dir: Path) -> bytes:
    """The extract secret of the server whose data lives in ``data_dir`` (made if missing).

    Two processes starting together agree on one secret: the file is published with a
    hard link, which fails if another process published first, and that one is read.

    Raises:
        ValueError: the file exists but is not a peerbench key file.
    """
    path = data_dir / SECRET_FILE_NAME
    if path.exists():
        return read_key_file(path)
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = data_dir / f".{SECRET_FILE_NAME}.new"
    with atomic_path(staging) as tmp:
        tmp.write_text(format_key_file(new_secret()), encoding="utf-8")
        tmp.chmod(0o600)
    try:
        with contextlib.suppress(FileExistsError):
            os.link(staging, path)
    finally:
        staging.unlink(missing_ok=True)
    return read_key_file(path)
