"""The content-keyed result cache: keys follow content and options, misses are safe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from peerbench.io import content_cache
from peerbench.io.content_cache import CACHE_ENV, ContentCache, content_digest, default_folder


def test_folder_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "c"))
    assert default_folder() == tmp_path / "c"
    for off in ("off", "", "none", "0"):
        monkeypatch.setenv(CACHE_ENV, off)
        assert default_folder() is None
        assert not ContentCache.from_env().enabled
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_folder() == tmp_path / "xdg" / "peerbench"


def test_round_trip_and_miss(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    key = cache.key("ns", {"a": 1}, ["x"])
    assert cache.get_json("ns", key) is None
    cache.put_json("ns", key, {"answer": [1, 2.5, "é"]})
    assert cache.get_json("ns", key) == {"answer": [1, 2.5, "é"]}
    assert cache.get_json("other", key) is None
    cache.put("ns", key, b"\x00\x01")
    assert cache.get("ns", key) == b"\x00\x01"


def test_keys_follow_parts_namespace_and_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ContentCache(tmp_path)
    base = cache.key("ns", {"a": 1, "b": 2})
    assert cache.key("ns", {"b": 2, "a": 1}) == base  # key order does not matter
    assert cache.key("ns", {"a": 1, "b": 3}) != base
    assert cache.key("other", {"a": 1, "b": 2}) != base
    monkeypatch.setattr(content_cache, "code_fingerprint", lambda: "another build")
    assert cache.key("ns", {"a": 1, "b": 2}) != base


def test_code_fingerprint_is_stable_within_a_process() -> None:
    assert content_cache.code_fingerprint() == content_cache.code_fingerprint()
    assert len(content_cache.code_fingerprint()) == 64


def test_disabled_cache_keeps_nothing(tmp_path: Path) -> None:
    cache = ContentCache(None)
    key = cache.key("ns", 1)
    cache.put_json("ns", key, 1)
    assert cache.get_json("ns", key) is None
    file = tmp_path / "f.parquet"
    file.write_bytes(b"abc")
    assert cache.file_digest(file) == content_digest(file)


def test_unreadable_entry_is_a_miss(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path)
    key = cache.key("ns", 1)
    cache.put("ns", key, b"{not json", ".json")
    assert cache.get_json("ns", key) is None


def test_file_digest_follows_content(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path / "cache")
    file = tmp_path / "outcomes.parquet"
    file.write_bytes(b"first")
    first = cache.file_digest(file)
    assert first == content_digest(file)
    assert cache.file_digest(file) == first  # remembered
    stat = file.stat()
    file.write_bytes(b"other")  # same size; the mtime is even put back
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache.file_digest(file) == content_digest(file) != first


def test_files_digest_ignores_the_folder(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path / "cache")
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "outcomes.parquet").write_bytes(b"rows")
        (tmp_path / folder / "services.parquet").write_bytes(b"services")
    a = cache.files_digest(
        [tmp_path / "a" / "services.parquet", tmp_path / "a" / "outcomes.parquet"]
    )
    b = cache.files_digest(
        [tmp_path / "b" / "outcomes.parquet", tmp_path / "b" / "services.parquet"]
    )
    assert a == b
    assert [name for name, _ in a] == ["outcomes.parquet", "services.parquet"]


def test_unwritable_folder_only_warns(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = ContentCache(blocker)
    key = cache.key("ns", 1)
    cache.put_json("ns", key, 1)  # no exception
    assert cache.get_json("ns", key) is None


def test_installed_versions_agree_with_package_metadata() -> None:
    from importlib import metadata

    versions = content_cache._installed_versions()
    for name in content_cache.LIBRARIES:
        try:
            expected = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected = None
        assert versions.get(content_cache._normalise(name)) == expected, name
