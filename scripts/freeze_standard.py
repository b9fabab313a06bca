"""Freeze the declaration of a released standard from its generated ``schema/`` folder in git.

Usage: python scripts/freeze_standard.py REV VERSION
e.g.   python scripts/freeze_standard.py 19f4cc9 1.0.0
writes peerbench/schema/versions/1.0.0.json from the files ``make schema`` had generated
at commit REV (the last commit that implemented VERSION). Nothing is typed by hand.
"""

from __future__ import annotations

import subprocess
import sys

from peerbench.generate.declaration import declaration_from_files, render_declaration, snapshot_path

PREFIX = "schema/"


def files_at(rev: str) -> dict[str, str]:
    """Every generated file under ``schema/`` at ``rev`` (path without the prefix → text)."""
    names = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", rev, PREFIX],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return {
        name.removeprefix(PREFIX): subprocess.run(
            ["git", "show", f"{rev}:{name}"], check=True, capture_output=True, text=True
        ).stdout
        for name in names
    }


def main(rev: str, version: str) -> None:
    path = snapshot_path(version)
    path.write_text(render_declaration(declaration_from_files(files_at(rev), version)), "utf-8")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:3])
