"""Check uploaded files in a separate process with a memory cap and a time limit.

The readers refuse files over the :class:`~peerbench.validators.limits.Limits` before
expanding them, but a file can still find a costly path nobody foresaw. So the server
never reads uploads in its own process: each submission's files are checked in a child
forked from a small fork server (``multiprocessing`` ``forkserver``, with the checking
modules preloaded, so a check starts in milliseconds), whose address space is capped
with ``RLIMIT_AS``. If the child runs out of memory, overruns its time or dies, the
server is untouched and the submission is *rejected* with a ``limit-exceeded`` finding
that says which limit and how to raise it. An error in the server's own code in the
child is re-raised here, so the submission is marked *failed* as before.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import resource
import tempfile
import traceback
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyarrow as pa

from peerbench.server.checked import Checked
from peerbench.validators.limits import Limits
from peerbench.validators.readers import FORMATS
from peerbench.validators.readers.sources import finding
from peerbench.validators.report import DEFAULT_MAX_FINDINGS, Report

_CONTEXT = multiprocessing.get_context("forkserver")
PRELOAD = ["peerbench.server.checker_warm"]
"""What the fork server imports once: the check, with its compiled loops loaded."""
_CONTEXT.set_forkserver_preload(PRELOAD)
GRACE_SECONDS = 30.0
"""Time allowed beyond the files' own limits (starting, sending the result back)."""


def fork_context() -> Any:
    """The ``forkserver`` multiprocessing context the checks (and other children) start from."""
    return _CONTEXT


def start_checker(*, wait: bool = False) -> None:
    """Start the fork server now, so the first upload's check need not wait for it.

    The fork server imports the checking modules once (a second or two). With ``wait``,
    return only when it can fork a checker (a no-op child has run).
    """
    forkserver.ensure_running()
    if wait:
        process = _CONTEXT.Process(target=_nothing, daemon=True)
        process.start()
        process.join()


def _nothing() -> None:
    """(In the child) Nothing: proves the fork server is ready."""


class CheckerError(RuntimeError):
    """The checking process failed because of a fault in the server's own code."""


def _child(
    send: Connection, folder: str, out: str, max_rows: int, limits: Limits, memory: int
) -> None:
    """(In the child) Cap memory, check the files, send back the outcome.

    The tables go back as Arrow files in ``out`` (:func:`save_tables`), not through the
    pipe: pickled, a 10M-row file's tables needed a second copy on each side (a check of
    10,010,971 outcome rows took 66 s, 12 GiB of address space in the child and 6 GB in
    the server, against 14 s for the check itself).
    """
    from peerbench.server.submission_checks import check_files

    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        checked = check_files(Path(folder), max_rows=max_rows, limits=limits)
        outcome: tuple[str, Any] = ("ok", save_tables(checked, Path(out)))
    except MemoryError:
        outcome = ("memory", None)
    except BaseException:
        outcome = ("error", traceback.format_exc())
    try:
        send.send(outcome)
    except MemoryError:  # the result itself did not fit
        send.send(("memory", None))
    finally:
        send.close()


def check_files_isolated(
    folder: Path, *, max_rows: int, limits: Limits, memory_bytes: int
) -> Checked:
    """:func:`~peerbench.server.submission_checks.check_files` in a capped child process.

    Args:
        folder: The spool folder of one submission.
        max_rows: The server's row cap per file.
        limits: Resource limits per file (the child applies them as the CLI does).
        memory_bytes: Address-space cap of the child (0: none).

    Returns:
        The :class:`~peerbench.server.checked.Checked` outcome; over the memory
        or time cap, a report with one ``limit-exceeded`` finding and no tables.

    Raises:
        CheckerError: the check failed for a reason that is not the data's.
    """
    files = (
        sum(1 for p in folder.iterdir() if p.suffix.lower() in FORMATS) if folder.is_dir() else 0
    )
    timeout = limits.max_seconds * max(files, 1) + GRACE_SECONDS
    # Removed as the block ends, whatever happens: tables mapped from it stay readable.
    with tempfile.TemporaryDirectory(
        prefix=f".{folder.name}-checked-", dir=folder.parent, ignore_cleanup_errors=True
    ) as out:
        args = (str(folder), out, max_rows, limits, memory_bytes)
        kind, payload, exitcode = _run_child(args, timeout)
        if kind == "ok":
            return load_tables(payload, Path(out))
    if kind == "error":
        raise CheckerError(f"the file check failed:\n{payload}")
    return _over_report(kind, exitcode, timeout, memory_bytes)


def _run_child(args: tuple[Any, ...], timeout: float) -> tuple[str, Any, int | None]:
    """Run :func:`_child` with ``args``: what it sent (``"timeout"`` or ``"died"`` when
    nothing came), and its exit code."""
    receive, send = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_child, args=(send, *args), daemon=True)
    process.start()
    send.close()
    kind: str = "timeout"
    payload: Any = None
    try:
        if receive.poll(timeout):
            try:
                kind, payload = receive.recv()
            except (EOFError, OSError):
                kind = "died"
    finally:
        if process.is_alive() and kind != "ok":
            process.kill()
        process.join(GRACE_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()
        receive.close()
    return kind, payload, process.exitcode


Saved = tuple[Checked, dict[str, dict[str, str]]]
"""What the child sends: the outcome without its tables, and the tables' file names."""


def save_tables(checked: Checked, out: Path) -> Saved:
    """(In the child) Write ``checked``'s tables to Arrow stream files in ``out``."""
    names: dict[str, dict[str, str]] = {"tables": {}, "origin": {}}
    for kind, tables in (("tables", checked.tables), ("origin", checked.origin)):
        for record_type, table in tables.items():
            name = f"{kind}-{record_type}.arrows"
            # The stream format: batches may carry different dictionaries.
            with (
                pa.OSFile(str(out / name), "wb") as sink,
                pa.ipc.new_stream(sink, table.schema) as writer,
            ):
                writer.write_table(table)
            names[kind][record_type] = name
    return dataclasses.replace(checked, tables={}, origin={}), names


def load_tables(saved: Saved, out: Path) -> Checked:
    """The outcome with the tables :func:`save_tables` wrote, memory-mapped (not copied)."""
    checked, names = saved

    def load(kind: str) -> dict[str, pa.Table]:
        return {
            record_type: pa.ipc.open_stream(pa.memory_map(str(out / name))).read_all()
            for record_type, name in names[kind].items()
        }

    return dataclasses.replace(checked, tables=load("tables"), origin=load("origin"))


def _over_report(kind: str, exitcode: int | None, timeout: float, memory_bytes: int) -> Checked:
    if kind == "timeout":
        detail = (
            f"checking the files took more than {timeout:,.0f} seconds; the limit "
            "max_seconds applies per file. To raise it: the server setting "
            "PEERBENCH_LIMIT_MAX_SECONDS"
        )
    else:
        ended = "" if exitcode is None else f" (it ended with code {exitcode})"
        detail = (
            f"checking the files needed more than the {memory_bytes:,} bytes of memory "
            f"a check may use{ended}. To raise it: the server setting "
            "PEERBENCH_CHECK_MEMORY_BYTES"
        )
    report = Report(max_findings=DEFAULT_MAX_FINDINGS)
    report.extend([finding("limit-exceeded", file="(submission)", detail=detail)])
    return Checked(report, {}, {})
