"""Steps a person takes in the browser, shared by the journeys and the screenshot script."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.portal.harness import PASSWORD, email_of


def sign_in(page: Page, who: str, *, password: str = PASSWORD) -> None:
    """Sign in as seeded user ``who`` (or an email address) through the sign-in form;
    waits for their home page."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(who if "@" in who else email_of(who))
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in"))


def sign_out(page: Page) -> None:
    """Press "Sign out" in the page header."""
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out", exact=True).click()


def submit_form(page: Page, button: str) -> None:
    """Press the form button named ``button`` and wait for the next page."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()
