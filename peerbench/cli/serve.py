"""``peerbench serve``: run the submission API with uvicorn."""

from __future__ import annotations

import threading
from pathlib import Path

import click

from peerbench import runtime
from peerbench.cli.output import echo_err


@click.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the embedded database and pool [default: PEERBENCH_DATA_DIR or pb-data].",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port."
)
@click.option(
    "--auto-migrate",
    is_flag=True,
    help="Upgrade the database first (a development convenience; in production run "
    "`peerbench db upgrade` deliberately, after a backup).",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
    help="Server log level.",
)
def serve(data_dir: Path | None, host: str, port: int, auto_migrate: bool, log_level: str) -> None:
    """Run the peerbench web portal and submission API (FastAPI on uvicorn).

    Settings come from PEERBENCH_* environment variables (see the docs); the default is an
    embedded SQLite database and a Parquet pool in the data folder. The server refuses to
    start on a database that `peerbench db upgrade` has not set up. The portal is at /
    (people are invited with `peerbench admin invite`); API docs are served at /docs.

    \b
    Example:
        peerbench db upgrade && peerbench serve --data-dir pb-data --port 8000
    """
    import uvicorn
    from pydantic import ValidationError

    from peerbench.api.app import create_app
    from peerbench.server.context import open_server
    from peerbench.server.db.migrate import DatabaseNotMigrated, upgrade
    from peerbench.server.settings import Settings
    from peerbench.validators.columnar import compiled

    try:
        settings = Settings(data_dir=data_dir) if data_dir is not None else Settings()
    except ValidationError as exc:
        raise click.UsageError(f"invalid server settings: {exc.errors()[0]['msg']}") from None
    if auto_migrate:
        upgrade(settings.resolved_database_url())
    try:
        context = open_server(settings)
    except DatabaseNotMigrated as exc:
        echo_err(f"Cannot start: {exc}")
        click.get_current_context().exit(1)
    runtime.compiled_checks = True  # a server validates upload after upload
    # Loading the compiled loops takes about 0.9 s: spend it now, beside start-up, rather
    # than in the first large upload.
    threading.Thread(target=compiled.preload, name="peerbench-preload", daemon=True).start()
    echo_err(f"peerbench serving on http://{host}:{port} (portal at /, API docs at /docs)")
    try:
        uvicorn.run(
            create_app(settings, context=context, warm=True),
            host=host,
            port=port,
            log_level=log_level,
        )
    finally:
        context.close()
