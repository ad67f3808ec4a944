"""The dashboard's Ask Hexad panel and notification settings in Chromium against a real server on
demo data: a question answered with its tool table and citations, preferences kept across a reload,
a subscription with a filter policy, a subject muted from the bell, and what other roles may not do."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from hexad.auth.keys import user_pool
from hexad.config import load_settings
from hexad.notifications.assembly import build_notifications
from tests.browser.conftest import PASSWORD, Dashboard, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

OPS = "asker@hexad.local"
SALES = "seller@hexad.local"


@pytest.fixture(scope="module")
def people(dashboard: Dashboard) -> Dashboard:
    """An admin and a sales user with known passwords (the demo admin keeps its one-time password)."""
    pool = user_pool(load_settings(home=dashboard.home))
    for email, roles in ((OPS, ["admin"]), (SALES, ["sales"])):
        user, once = pool.add(email, email.split("@")[0], roles)
        pool.change_password(user.id, once, PASSWORD)
    return dashboard


def test_asking_shows_the_tool_table_and_the_cited_answer(
    browser: Browser, people: Dashboard, screenshots: Path
) -> None:
    page = sign_in(browser, people, OPS)
    page.get_by_role("button", name="Ask Hexad").click()
    panel = page.get_by_role("dialog", name="Ask Hexad")
    panel.get_by_role("button", name="Which clients have the lowest margins?").click()
    table = panel.get_by_role("table", name="Clients by margin (lowest first)")
    expect(table).to_be_visible(timeout=60_000)
    expect(table.get_by_role("row")).to_have_count(9)  # the header and the first 8 of the clients
    answer = panel.get_by_test_id("ask-answer")
    expect(answer).to_contain_text("lowest margin")
    answer.get_by_role("link", name="source 1").first.click()
    expect(panel.get_by_role("region", name="Source 1: Client profitability")).to_be_focused()
    page.get_by_label("Your question").fill("How much did we spend per month?")
    page.keyboard.press("Enter")
    expect(panel.get_by_role("img", name=re.compile("^Spend"))).to_be_visible(timeout=60_000)
    expect(answer.nth(1)).to_contain_text("Highest month")
    panel.get_by_role("link", name="Open as a page").click()
    expect(page.get_by_role("heading", name="Ask Hexad", exact=True)).to_be_visible()
    expect(page.get_by_role("article")).to_have_count(2)  # the conversation followed to the page
    page.get_by_role("article").last.evaluate("turn => turn.scrollIntoView({ block: 'start' })")
    page.screenshot(path=str(screenshots / "ask.png"), full_page=True)
    page.close()


def test_a_role_without_a_tool_is_told_what_to_do(browser: Browser, people: Dashboard) -> None:
    page = sign_in(browser, people, SALES)
    page.goto(people.url + "ask")
    expect(page.get_by_role("button", name="Which clients have the lowest margins?")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("spend compare with budget"))).to_have_count(0)
    page.get_by_label("Your question").fill("How does spend compare with budget by department?")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.get_by_role("note").filter(has_text="lacks the spend:read permission")).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_text("Ask an administrator for a role that includes it").first).to_be_visible()
    page.close()


def test_preferences_are_kept_and_subscriptions_validated(
    browser: Browser, people: Dashboard, screenshots: Path
) -> None:
    page = sign_in(browser, people, OPS)
    page.get_by_role("navigation").get_by_role("link", name="Notification settings").click()
    preferences = page.get_by_role("form", name="Notification preferences")
    preferences.get_by_label("Time zone", exact=True).fill("Europe/Berlin")
    preferences.get_by_label("Quiet hours", exact=True).check()
    preferences.get_by_label("Digest", exact=True).select_option("weekly")
    preferences.get_by_label("Digest on").select_option("Friday")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    page.reload()
    preferences = page.get_by_role("form", name="Notification preferences")
    expect(preferences.get_by_label("Time zone", exact=True)).to_have_value("Europe/Berlin", timeout=20_000)
    expect(preferences.get_by_label("From", exact=True)).to_have_value("22:00")
    expect(preferences.get_by_label("Digest", exact=True)).to_have_value("weekly")

    form = page.get_by_role("form", name="Subscribe")
    form.get_by_label("Filter policy").fill('{"severity": "high"}')
    expect(form.get_by_text("severity: expected a list of values")).to_be_visible()
    form.get_by_label("Filter policy").fill('{"severity": ["critical", "high"]}')
    form.get_by_role("button", name="Subscribe").click()
    subscriptions = page.get_by_role("table", name="Your subscriptions")
    expect(subscriptions).to_contain_text('{"severity":["critical","high"]}')
    form.get_by_label("Channel").select_option("email")
    form.get_by_label("Endpoint").fill("ops@msp.example")
    form.get_by_role("button", name="Subscribe").click()
    expect(subscriptions.get_by_role("row").filter(has_text="ops@msp.example")).to_contain_text(
        "pending confirmation"
    )
    page.screenshot(path=str(screenshots / "notifications.png"), full_page=True)
    subscriptions.get_by_role("button", name="Unsubscribe ops@msp.example from findings").click()
    expect(subscriptions.get_by_role("row").filter(has_text="ops@msp.example")).to_have_count(0)
    page.close()


def test_muting_a_subject_from_the_bell(browser: Browser, people: Dashboard) -> None:
    token = _token(people, OPS)
    page = sign_in(browser, people, OPS)
    subject = "CL-0001"
    page.goto(people.url + "settings/notifications")
    _subscribe_bell(page)
    message = {
        "subject": f"Margin falling at {subject}",
        "attributes": {"subject_id": subject, "severity": "high"},
    }
    _call(people, "POST", "/api/v1/notifications/topics/findings/publish", token, message)
    page.get_by_role("button", name=re.compile("^Notifications")).click()
    bell = page.get_by_role("region", name="Notifications")
    expect(bell.get_by_text(f"Margin falling at {subject}")).to_be_visible(timeout=60_000)
    bell.get_by_role("button", name=f"Mute {subject}").first.click()
    expect(bell.get_by_role("status")).to_contain_text(f"Muted {subject}")
    page.reload()
    muted = page.get_by_role("list", name="Muted subjects")
    expect(muted).to_contain_text(subject, timeout=20_000)
    muted.get_by_role("button", name=f"Unmute {subject}").click()
    expect(page.get_by_text("Nothing muted")).to_be_visible()
    page.close()


def _subscribe_bell(page: Page) -> None:
    """The signed-in user's bell on the findings topic, unless it is subscribed already."""
    subscriptions = page.get_by_role("table", name="Your subscriptions")
    page.get_by_role("heading", name="Subscriptions").wait_for()
    expect(page.get_by_text(re.compile("^Loading subscriptions"))).to_have_count(0, timeout=20_000)
    if subscriptions.count() and subscriptions.get_by_role("row").filter(has_text="In-app bell").count():
        return
    page.get_by_role("form", name="Subscribe").get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("table", name="Your subscriptions")).to_contain_text("In-app bell")


def test_a_viewer_subscribes_only_themselves_by_mail_or_bell(browser: Browser, people: Dashboard) -> None:
    page = sign_in(browser, people, "viewer@hexad.local")
    page.goto(people.url + "settings/notifications")
    form = page.get_by_role("form", name="Subscribe")
    channels = form.get_by_label("Channel").get_by_role("option")
    expect(channels).to_have_text(["In-app bell", "Email"])
    expect(form.get_by_label("Endpoint")).not_to_be_editable()
    expect(form.get_by_text("set up by an administrator")).to_be_visible()
    page.close()


def test_a_confirmation_link_from_a_mail_confirms_in_the_dashboard(
    browser: Browser, people: Dashboard
) -> None:
    body = {"topic": "findings", "protocol": "email", "endpoint": "links@msp.example"}
    created = _call(people, "POST", "/api/v1/notifications/subscriptions", _token(people, OPS), body)
    assert created["status"] == "pending"
    with ThreadPoolExecutor(1) as thread:  # the link the mail carries, made as the worker makes it
        link = thread.submit(asyncio.run, _confirm_url(people, str(created["id"]))).result()
    page = sign_in(browser, people, OPS)
    address = urllib.parse.urlsplit(link)
    assert address.path == "/notifications/confirm"
    page.goto(f"{people.url.rstrip('/')}{address.path}?{address.query}")
    confirmed = "Confirmed: links@msp.example now receives findings notifications"
    expect(page.get_by_role("status").filter(has_text=confirmed)).to_be_visible(timeout=20_000)
    page.goto(people.url + "notifications/confirm?token=forged-token-of-no-one")
    expect(page.get_by_role("alert")).to_contain_text("This link did not work")
    expect(page.get_by_role("alert")).to_contain_text("subscribe again")
    page.close()


async def _confirm_url(dashboard: Dashboard, subscription_id: str) -> str:
    parts = build_notifications(load_settings(home=dashboard.home))
    try:
        subscription = await parts.service.store.get_subscription(subscription_id)
        return parts.service.confirm_url(parts.service.confirm_token(subscription))
    finally:
        await parts.aclose()


def _token(dashboard: Dashboard, email: str) -> str:
    body = _call(dashboard, "POST", "/api/v1/auth/login", None, {"email": email, "password": PASSWORD})
    return str(body["access_token"])


def _call(
    dashboard: Dashboard, method: str, path: str, token: str | None, body: object = None
) -> dict[str, object]:
    request = urllib.request.Request(
        dashboard.url.rstrip("/") + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "content-type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.load(response))
