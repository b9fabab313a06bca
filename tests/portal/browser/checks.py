"""What every page must pass in the browser: no errors, no failed requests, axe-core clean.

``watch(page)`` starts recording a page's console errors, uncaught exceptions, failed
requests and error responses; ``check_page(page, name)`` asserts there were none since
the last check, runs axe-core (the copy bundled by ``axe-playwright-python``) and fails
on any violation of impact *serious* or *critical* (the others are printed), saves a
full-page screenshot and records the page's axe figures in ``axe-figures.json`` beside
the screenshots, so they can be quoted.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Request, Response

SCREENSHOT_ENV = "PEERBENCH_SCREENSHOT_DIR"
FIGURES_FILE = "axe-figures.json"
BLOCKING_IMPACTS = ("serious", "critical")
IMPACTS = ("critical", "serious", "moderate", "minor")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TOKEN = re.compile(r"(/invite/|/sign-in/link/)[^/?#]+")


@dataclass
class Watch:
    """What went wrong on one page since the last check."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    error_responses: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.console_errors.clear()
        self.failed_requests.clear()
        self.error_responses.clear()


_WATCHES: WeakKeyDictionary[Page, Watch] = WeakKeyDictionary()
_FIGURES_LOCK = threading.Lock()
_AXE = Axe()


def watch(page: Page) -> Page:
    """Record ``page``'s console errors, page errors and failed requests; returns it."""
    seen = Watch()
    _WATCHES[page] = seen

    def on_console(message: Any) -> None:
        if message.type == "error":
            seen.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_failed(request: Request) -> None:
        # ERR_ABORTED is the browser cancelling a request itself: the page navigated on
        # before a favicon arrived, or a navigation turned into a download. A request
        # the server failed, or one sent off the server (aborted by the test's router as
        # ERR_INTERNET_DISCONNECTED), has another code and is kept.
        if request.failure == "net::ERR_ABORTED":
            return
        seen.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            seen.error_responses.append(
                f"{response.status} {response.request.method} {response.url}"
            )

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.console_errors.append(f"uncaught: {error}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    return page


_FOLDER: list[Path] = []


def use_screenshot_dir(default: Path) -> Path:
    """Save screenshots in ``$PEERBENCH_SCREENSHOT_DIR`` if set, else ``default``.

    Called once per session (by the ``screenshots`` fixture); returns the folder.
    """
    folder = Path(os.environ.get(SCREENSHOT_ENV) or default)
    folder.mkdir(parents=True, exist_ok=True)
    _FOLDER[:] = [folder]
    return folder


def axe_figures(results: dict[str, Any]) -> dict[str, Any]:
    """Counts of one axe run: violated rules (and their nodes) by impact, passed rules."""
    rules = Counter(v["impact"] for v in results["violations"])
    nodes: Counter[str] = Counter()
    for violation in results["violations"]:
        nodes[violation["impact"]] += len(violation["nodes"])
    return {
        "violations": {impact: rules.get(impact, 0) for impact in IMPACTS},
        "violating_nodes": {impact: nodes.get(impact, 0) for impact in IMPACTS},
        "passes": len(results["passes"]),
        "incomplete": len(results["incomplete"]),
        # The path only, with one-time tokens left out of the record.
        "url_path": _TOKEN.sub(r"\1{token}", re.sub(r"^https?://[^/]+", "", results["url"])),
    }


def record_figures(folder: Path, name: str, figures: dict[str, Any]) -> None:
    """Add (or replace) ``name``'s figures in ``folder/axe-figures.json``."""
    path = folder / FIGURES_FILE
    with _FIGURES_LOCK:
        data = json.loads(path.read_text()) if path.exists() else {}
        data[name] = figures
        path.write_text(json.dumps(dict(sorted(data.items())), indent=2) + "\n")


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violated rule, with the first offending elements."""
    lines = []
    for violation in violations:
        targets = [", ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        lines.append(
            f"  {violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes): "
            f"{violation['help']} -- {'; '.join(targets)}"
        )
    return "\n".join(lines)


def check_page(
    page: Page,
    name: str,
    *,
    folder: Path | None = None,
    allow_status: tuple[int, ...] = (),
    axe_blocking: bool = True,
) -> dict[str, Any]:
    """Assert the page is clean, save its screenshot and axe figures; return the figures.

    Args:
        page: A page passed to :func:`watch`.
        name: The page's file name stem, e.g. ``admin-users`` (lower case and hyphens).
        folder: Where the screenshot goes; default the session's folder
            (:func:`use_screenshot_dir`).
        allow_status: Error statuses this page is expected to answer (e.g. 403 for a
            refusal page); their responses and the browser's console line about them
            are not failures.
        axe_blocking: False only for third-party pages we serve but do not write (the
            API docs): their axe figures are recorded, not asserted.
    """
    assert _NAME.match(name), f"screenshot name {name!r}: use lower case letters and hyphens"
    seen = _WATCHES.get(page)
    assert seen is not None, "call watch(page) before check_page(page, ...)"
    page.wait_for_load_state("load")
    unexpected = [r for r in seen.error_responses if int(r.split()[0]) not in allow_status]
    console = [
        e
        for e in seen.console_errors
        if not (allow_status and "Failed to load resource: the server responded" in e)
    ]
    problems = {
        "console errors": console,
        "failed requests": seen.failed_requests,
        "error responses": unexpected,
    }
    seen.clear()
    assert not any(problems.values()), f"{name} ({page.url}): {problems}"

    results = _AXE.run(page, options={"resultTypes": ["violations"]}).response
    figures = axe_figures(results)
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    others = [v for v in results["violations"] if v["impact"] not in BLOCKING_IMPACTS]
    if others:
        print(f"axe, {name}: {len(others)} moderate/minor rule(s) violated\n{describe(others)}")

    assert folder or _FOLDER, "use_screenshot_dir(...) first (the screenshots fixture)"
    target = folder or _FOLDER[0]
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)
    record_figures(target, name, figures)
    if not axe_blocking:
        if blocking:
            print(f"axe, {name}: serious/critical (not asserted)\n{describe(blocking)}")
        return figures
    assert not blocking, f"axe, {name} ({page.url}): serious/critical\n{describe(blocking)}"
    return figures
