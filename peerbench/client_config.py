"""Where the client finds its server URL and API key.

In order of precedence:

1. arguments (``PeerbenchClient(server_url, key)``, ``--server`` / ``--key``);
2. environment variables ``PEERBENCH_SERVER`` and ``PEERBENCH_KEY``;
3. a config file in the user's config folder, ``config.toml`` or ``config.json``
   (``click.get_app_dir("peerbench")``: ``~/.config/peerbench`` on Linux,
   ``~/Library/Application Support/peerbench`` on macOS, ``%APPDATA%\\peerbench`` on
   Windows), or the file named by ``PEERBENCH_CONFIG``::

       # ~/.config/peerbench/config.toml
       server = "https://pool.example.org"
       key = "pbk_..."

The key is held as a :class:`pydantic.SecretStr`, so printing the configuration, a
client or an exception never shows it. Keep the config file readable by you only.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

import click
from pydantic import BaseModel, SecretStr

APP_NAME = "peerbench"
CONFIG_NAMES = ("config.toml", "config.json")


class ConfigError(ValueError):
    """The server URL or key is missing, or the config file cannot be read."""


class ClientConfig(BaseModel):
    """A resolved server URL and API key."""

    server: str
    key: SecretStr


def config_dir() -> Path:
    """The user's peerbench config folder (it may not exist)."""
    return Path(click.get_app_dir(APP_NAME))


def config_file(environ: Mapping[str, str] | None = None) -> Path | None:
    """The config file to read: ``PEERBENCH_CONFIG``, else the first existing default."""
    env = os.environ if environ is None else environ
    named = env.get("PEERBENCH_CONFIG")
    if named:
        return Path(named)
    for name in CONFIG_NAMES:
        candidate = config_dir() / name
        if candidate.is_file():
            return candidate
    return None


def read_config_file(path: Path) -> dict[str, str]:
    """``server`` and ``key`` from a TOML or JSON file (missing keys are left out).

    Raises:
        ConfigError: the file cannot be read or parsed (the message names the file only).
    """
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as exc:
        # ValueError covers both parsers; the text is not quoted, as it holds the key.
        raise ConfigError(f"cannot read the peerbench config file {path}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"the peerbench config file {path} must hold a table/object")
    return {name: str(data[name]) for name in ("server", "key") if data.get(name)}


def load_config(
    server: str | None = None,
    key: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> ClientConfig:
    """Resolve the server URL and key from arguments, environment and config file.

    Args:
        server: Server URL given explicitly.
        key: API key given explicitly.
        environ: Environment to read (default ``os.environ``).
        path: Config file to read instead of the default location.

    Raises:
        ConfigError: no server URL or no key was found anywhere.
    """
    env = os.environ if environ is None else environ
    server = server or env.get("PEERBENCH_SERVER") or None
    key = key or env.get("PEERBENCH_KEY") or None
    if server is None or key is None:
        file = path or config_file(env)
        if file is not None and file.is_file():
            found = read_config_file(file)
            server = server or found.get("server")
            key = key or found.get("key")
    missing = [
        what
        for what, value in (
            ("server URL (PEERBENCH_SERVER)", server),
            ("API key (PEERBENCH_KEY)", key),
        )
        if not value
    ]
    if missing or server is None or key is None:
        where = config_dir() / CONFIG_NAMES[0]
        raise ConfigError(
            f"no {' and no '.join(missing)}: pass --server/--key, set the environment "
            f"variables, or write them to {where}"
        )
    return ClientConfig(server=server.rstrip("/"), key=SecretStr(key))
