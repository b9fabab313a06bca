"""Screenshots of the web portal for the README: ``python scripts/portal_screenshots.py``.

Starts the app as the browser tests do (a seeded temporary data folder with pooled
synthetic data, uvicorn on 127.0.0.1), signs in as each role through the sign-in form
and saves PNGs of the main pages, 1200 pixels wide, to ``docs/screenshots/`` (or
``--out``). A page the server answers with an error is reported and skipped, so the
script also shows which pages are missing. Needs Chromium (``find_chromium``) and
Playwright.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests package holds the live-server helpers

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from peerbench.reports.render import find_chromium  # noqa: E402
from tests.api.harness import synth_slices  # noqa: E402
from tests.portal.browser.conftest import CHROMIUM_ARGS, SYNTH  # noqa: E402
from tests.portal.browser.flows import sign_in  # noqa: E402
from tests.portal.browser.live import live_server, seed_data_dir  # noqa: E402
from tests.portal.harness import NETWORK  # noqa: E402

WIDTH = 1200
MAX_HEIGHT = 1500
"""Long pages are cut here, to keep the README's images modest."""


def pages(coordinator_org: str) -> dict[str | None, list[tuple[str, str]]]:
    """``{who: [(file name, path)]}``; ``None`` is nobody signed in."""
    org = f"/o/{coordinator_org}"
    net = f"/n/{NETWORK}"
    return {
        None: [("landing", "/"), ("sign-in", "/sign-in")],
        "coordinator": [
            ("organisation-home", org),
            ("organisation-upload", f"{org}/upload"),
            ("organisation-submissions", f"{org}/submissions"),
            ("organisation-report", f"{org}/report"),
        ],
        "analyst": [
            ("network-coverage", net),
            ("network-benchmarks", f"{net}/benchmarks"),
            ("network-chart", f"{net}/benchmarks#figure.chart-figure"),
            ("network-what-works", f"{net}/what-works"),
            ("network-reports", f"{net}/reports"),
            ("network-members", f"{net}/members"),
        ],
        "researcher": [
            ("research-home", "/research"),
            ("research-dictionary", "/research/dictionary"),
            ("research-extracts", "/research/extracts"),
        ],
        "admin": [
            ("admin-home", "/admin"),
            ("admin-organisations", "/admin/organisations"),
            ("admin-users", "/admin/users"),
            ("admin-keys", "/admin/keys"),
        ],
    }


def shoot(page: Page, path: str, target: Path) -> bool:
    """Open ``path`` and save its screenshot; False when the server answers an error.

    ``path#selector`` saves only the first element matching the CSS ``selector``.
    """
    path, _, selector = path.partition("#")
    response = page.goto(path)
    page.wait_for_load_state("load")
    if response is None or response.status >= 400:
        status = response.status if response is not None else "no response"
        print(f"  skipped {path}: {status}")
        return False
    if selector:
        element = page.locator(selector).first
        if not element.count():
            print(f"  skipped {path}: nothing matches {selector}")
            return False
        element.screenshot(path=str(target))
        print(f"  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
        return True
    height = min(MAX_HEIGHT, int(page.evaluate("document.documentElement.scrollHeight")))
    clip = {"x": 0, "y": 0, "width": WIDTH, "height": height}
    page.screenshot(path=str(target), full_page=True, clip=clip)  # type: ignore[arg-type]
    print(f"  {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("Chromium is not installed (scripts/ensure-chromium.sh installs it)")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="peerbench-screens-") as tmp:
        work = Path(tmp)
        seeded = seed_data_dir(work / "seed", synth_slices(work / "synth", **SYNTH))
        with live_server(seeded.data_dir, work / "live") as running, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                for who, shots in pages(seeded.pooled[0]).items():
                    context = browser.new_context(
                        base_url=running.url,
                        viewport={"width": WIDTH, "height": 800},
                        locale="en-GB",
                        timezone_id="UTC",
                    )
                    page = context.new_page()
                    print(f"{who or 'not signed in'}:")
                    if who is not None:
                        sign_in(page, who)
                    for name, path in shots:
                        shoot(page, path, out / f"{name}.png")
                    context.close()
            finally:
                browser.close()


if __name__ == "__main__":
    main()
