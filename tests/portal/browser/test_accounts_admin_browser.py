"""Accounts and admin pages in Chromium: what anyone sees and signing in; an admin
registers, invites (the invitee accepts), issues a sign-in link and makes a key. Every
page checked (no console errors, zero serious/critical axe violations) and screenshotted."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.portal.browser.needs import browser_packages

browser_packages()
from playwright.sync_api import Page, expect  # noqa: E402

from tests.portal.browser.checks import check_page  # noqa: E402
from tests.portal.browser.flows import sign_in, sign_out, submit_form  # noqa: E402
from tests.portal.browser.live import Running  # noqa: E402
from tests.portal.harness import NETWORK, PASSWORD, email_of  # noqa: E402

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a long and memorable passphrase"


def test_admin_registers_invites_and_makes_a_key(
    page: Page, new_page: Callable[[], Page], live: Running
) -> None:
    sign_in(page, "admin")
    expect(page).to_have_url(re.compile(r"/admin$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    check_page(page, "admin-home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    check_page(page, "admin-organisations")

    # A mistake first: the summary links to the field, which says what is wrong.
    page.get_by_label("Id").fill("org-a")
    page.get_by_label("Name").fill("Duplicate")
    submit_form(page, "Register organisation")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("already exists")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Id")).to_be_focused()
    check_page(page, "admin-organisations-error", allow_status=(422,))

    page.get_by_label("Id").fill("org-walkers")
    page.get_by_label("Name").fill("Riverside Walkers")
    page.get_by_label("Type").select_option(label="Charity")
    submit_form(page, "Register organisation")
    expect(page.get_by_role("status").first).to_contain_text("Riverside Walkers (org-walkers)")
    expect(page.locator("#organisations")).to_contain_text("org-walkers")

    page.goto("/admin/networks")
    page.get_by_label("Id").fill("net-south")
    page.get_by_label("Name").fill("South Network")
    submit_form(page, "Register network")
    expect(page.locator("#networks")).to_contain_text("net-south")
    check_page(page, "admin-networks")

    page.goto("/admin/users")
    page.get_by_label("Email address").fill("walker@example.org")
    page.get_by_label("Role").select_option("submitter")
    page.get_by_label("Organisation").select_option("org-walkers")
    submit_form(page, "Invite")
    link = page.locator("code.secret").inner_text().strip()
    assert link.startswith(f"{live.url}/invite/")
    check_page(page, "admin-users-invited")

    # The invitee opens the link in their own browser, chooses a password, is signed in.
    invitee = new_page()
    invitee.goto(link)
    invitee.get_by_label("Your name").fill("Wendy Walker")
    invitee.get_by_label("Choose a password").fill(NEW_PASSWORD)
    invitee.get_by_label("Type the password again").fill(NEW_PASSWORD)
    check_page(invitee, "invite-accept")
    submit_form(invitee, "Create account and sign in")
    expect(invitee).to_have_url(re.compile(r"/o/org-walkers"))
    # Later, they come back with their email and the password they chose.
    invitee.goto("/account")
    sign_out(invitee)
    sign_in(invitee, "walker@example.org", password=NEW_PASSWORD)
    expect(invitee).to_have_url(re.compile(r"/o/org-walkers"))
    page.goto("/admin/users")  # not reload: that would send the invitation again
    row = page.locator("#users tr", has_text="walker@example.org")
    expect(row).to_contain_text("Active")

    # Someone who forgot their password: the admin issues a sign-in link.
    row = page.locator("#users tr", has_text="researcher@example.org")
    with page.expect_navigation():
        row.get_by_role("button", name=re.compile("Sign-in link")).click()
    link = page.locator("code.secret").inner_text().strip()
    assert link.startswith(f"{live.url}/sign-in/link/")
    check_page(page, "admin-users-sign-in-link")
    researcher = new_page()
    researcher.goto(link)
    check_page(researcher, "sign-in-link")
    submit_form(researcher, "Sign in")
    expect(researcher).to_have_url(re.compile(r"/research"))

    page.goto("/admin/keys")
    page.get_by_label("Role").select_option("network-analyst")
    page.get_by_label("Network").select_option("net-south")
    page.get_by_label("Label (optional)").fill("analysis laptop")
    submit_form(page, "Make key")
    secret = page.locator("code.secret").inner_text().strip()
    assert secret.startswith("pbk_")
    check_page(page, "admin-keys-created")
    page.goto("/admin/keys")
    expect(page.locator("body")).not_to_contain_text(secret)


def test_anyone_sees_what_peerbench_is_and_signs_in(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "landing")
    page.goto("/no-such-page")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "not-found", allow_status=(404,))
    page.goto("/")
    page.get_by_role("link", name=re.compile("sign in", re.I)).first.click()
    expect(page).to_have_url(re.compile(r"/sign-in"))
    check_page(page, "sign-in")

    page.get_by_label("Email address").fill(email_of("analyst"))
    page.get_by_label("Password").fill(PASSWORD + "-wrong")
    submit_form(page, "Sign in")
    expect(page.get_by_role("alert")).to_be_visible()
    check_page(page, "sign-in-refused", allow_status=(400, 401, 422))

    page.get_by_label("Password").fill(PASSWORD)
    submit_form(page, "Sign in")
    expect(page).to_have_url(re.compile(rf"/n/{NETWORK}$"))
    page.goto("/admin")  # not theirs: a calm refusal page, not a stack trace
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "forbidden", allow_status=(403,))
    page.goto("/account")
    check_page(page, "account")
    sign_out(page)
    page.goto(f"/n/{NETWORK}")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
