"""Browser-test fixtures: one Chromium for the folder, one live server per module.

Skipped (with the reason) when Debian's Chromium or Playwright is missing; ``make test``
installs Chromium, so CI runs them. The browser may reach the live server only: any
other request is aborted, and an aborted request fails the page's check, so a page
that needs the internet (a CDN, a font) cannot pass.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from peerbench.reports.render import find_chromium
from tests.api.harness import synth_slices
from tests.portal.browser.live import Running, Seeded, live_server, seed_data_dir

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route, ViewportSize

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SYNTH = {"organisations": 4, "outcome_rows": 3000}
"""Enough pooled people for the network pages to draw forest and funnel plots."""
VIEWPORT: ViewportSize = {"width": 1200, "height": 900}


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, or skip: the browser tests need a real browser."""
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if importlib.util.find_spec("axe_playwright_python") is None:
        pytest.skip("axe-playwright-python is not installed (pip install -e '.[test]')")
    path = find_chromium()
    if path is None:
        pytest.skip("Chromium is not installed (scripts/ensure-chromium.sh installs it)")
    return path


@pytest.fixture(scope="package")
def browser(chromium: str) -> Iterator[Browser]:
    """One headless Chromium for every browser test (closed after the last one; see
    ``__init__``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where pages' screenshots and axe figures go: $PEERBENCH_SCREENSHOT_DIR or a temp dir."""
    from tests.portal.browser.checks import use_screenshot_dir

    return use_screenshot_dir(tmp_path_factory.mktemp("screenshots"))


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Seeded:
    """A migrated data folder with organisations, a network, users, keys and pooled data."""
    slices = synth_slices(tmp_path_factory.mktemp("browser-synth"), **SYNTH)
    return seed_data_dir(tmp_path_factory.mktemp("browser-seed") / "data", slices)


@pytest.fixture(scope="module")
def live(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """This module's own copy of the seeded data, served on 127.0.0.1."""
    with live_server(seeded.data_dir, tmp_path_factory.mktemp("live") / "data") as running:
        yield running


def _only_the_server(base_url: str) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        url = route.request.url
        if url.startswith((base_url + "/", "data:", "blob:")) or url == base_url:
            route.continue_()
        else:
            route.abort("internetdisconnected")

    return handle


@pytest.fixture
def new_page(browser: Browser, live: Running, screenshots: Path) -> Iterator[Callable[[], Page]]:
    """Make watched pages, each in its own browser context (its own cookies)."""
    from tests.portal.browser.checks import watch

    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context(
            base_url=live.url, viewport=VIEWPORT, locale="en-GB", timezone_id="UTC"
        )
        # Generous: a cold dashboard build on a busy 2-core runner took over 15 s once;
        # the wait only runs long when a page is really missing.
        context.set_default_timeout(60_000)
        context.route("**/*", _only_the_server(live.url))
        contexts.append(context)
        return watch(context.new_page())

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    """One watched page in a fresh browser context."""
    return new_page()
