"""Skip a browser-test module, with the reason, when its Python packages are missing.

Call :func:`browser_packages` at the top of a test module, before importing Playwright.
(Chromium itself is checked by the ``chromium`` fixture.)
"""

from __future__ import annotations

import pytest

HOW = "pip install -e '.[test]'"


def browser_packages() -> None:
    """Skip the calling module unless Playwright and axe-playwright-python import."""
    pytest.importorskip("playwright.sync_api", reason=f"playwright is not installed ({HOW})")
    pytest.importorskip("axe_playwright_python", reason=f"axe-playwright-python is missing ({HOW})")
