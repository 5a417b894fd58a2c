"""The console in a real browser (Debian's Chromium, driven by Playwright) on the local
stack: `courteous console` replays two days at Lotus Tea, then a person looks up a
customer's decisions, opts them out, changes a setting (and meets a validation error at
the field), reads a day's report on a laptop-sized screen, and switches to Chinese."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCENARIO = Path(__file__).resolve().parents[1] / "fixtures" / "console" / "two_days.json"
STARTUP_SECONDS = 120
COURTEOUS = str(Path(sys.executable).parent / "courteous")

pytestmark = pytest.mark.e2e

if not CHROMIUM.exists():  # `make test` installs it; a bare pytest run may not have it
    pytest.skip(
        "Debian's chromium is not installed (make test installs it)", allow_module_level=True
    )

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`courteous console` in its own process, in a folder of its own; stopped by SIGTERM."""
    workdir = tmp_path_factory.mktemp("console")
    process = subprocess.Popen(
        [COURTEOUS, "console", "--port", "0", "--scenario", str(SCENARIO)],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    url = None
    deadline = time.monotonic() + STARTUP_SECONDS
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        found = re.search(r"console: (http://127\.0\.0\.1:\d+)/console/home", line)
        if found:
            url = found.group(1)
            break
    if url is None:
        process.kill()
        pytest.fail("the console did not start:\n" + "".join(seen))
    # Keep reading what it prints (a request log line each), so it never blocks on a pipe.
    threading.Thread(target=lambda: [None for _ in process.stdout or []], daemon=True).start()
    try:
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("SIGTERM did not stop the console")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # A laptop screen: everything must fit without scrolling sideways.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


def fits_the_width(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_customers_decisions_in_plain_words(console: str, page: Page) -> None:
    # Given the shop's customer page
    page.goto(f"{console}/console/customer?shop=lotus-tea")
    # When staff look up Zhang Min by phone
    page.get_by_label("Phone, e-mail or customer id").fill("+86 137 0013 7000")
    page.get_by_role("button", name="Look up").click()
    # Then every decision is listed, with its reason in words and the local time there
    rows = page.locator("table.decisions tbody tr")
    expect(rows.first).to_be_visible()
    held = page.locator("table.decisions tr[data-reason=quiet_hours]")
    expect(held.first).to_contain_text("it was night where the customer is")
    expect(held.first).to_contain_text("Asia/Shanghai")
    expect(page.locator("main")).not_to_contain_text("quiet_hours")
    expect(page.locator("main")).not_to_contain_text("payment_reminder")
    assert fits_the_width(page)


def test_opting_a_customer_out(console: str, page: Page) -> None:
    page.goto(f"{console}/console/customer?shop=lotus-tea&q=%2B8613800138000")
    sms = page.locator("table.contacts tr[data-channel=sms]")
    expect(sms.locator(".opted-out")).to_have_text("no")
    sms.get_by_role("button", name="Opt out of this channel").click()
    expect(page.get_by_role("status")).to_contain_text("no more messages on that channel")
    expect(page.locator("table.contacts tr[data-channel=sms] .opted-out")).to_have_text("yes")


def test_a_setting_refused_at_its_field_then_saved(console: str, page: Page) -> None:
    page.goto(f"{console}/console/settings?shop=lotus-tea")
    field = page.locator("#settings-form [data-field=reminder_delay]")
    # When a setting is given a value that is not a duration
    field.locator("input").fill("soon")
    page.locator("#settings-form").get_by_role("button", name="Save settings").click()
    # Then the error is shown at that field, and nothing was saved
    invalid = page.locator("#settings-form [data-field=reminder_delay]")
    expect(invalid.locator(".field-error")).to_be_visible()
    expect(invalid.locator("input")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#settings-form .problem").first).to_contain_text("Nothing was saved")
    # When it is corrected
    invalid.locator("input").fill("PT45M")
    page.locator("#settings-form").get_by_role("button", name="Save settings").click()
    # Then it is saved and the difference is shown
    expect(page.locator("#settings-form [role=status]")).to_contain_text("Saved")
    expect(page.locator("#settings-form .diff")).to_contain_text('"reminder_delay": "PT45M"')
    page.reload()
    expect(page.locator("#settings-form [data-field=reminder_delay] input")).to_have_value("PT45M")


def test_a_policy_refused_at_its_field(console: str, page: Page) -> None:
    page.goto(f"{console}/console/settings?shop=lotus-tea")
    field = page.locator("#policy-form [data-field=sms_segment_limit]")
    field.locator("input").fill("40")
    page.locator("#policy-form").get_by_role("button", name="Save policy").click()
    expect(page.locator("#policy-form [data-field=sms_segment_limit] .field-error")).to_be_visible()


def test_a_days_report_fits_a_laptop(console: str, page: Page) -> None:
    # Given the report of the night the reminder was held
    page.goto(f"{console}/console/report?shop=lotus-tea&day=2026-11-17")
    # Then the counts and the chart are there, every zone on its own row, no sideways scroll
    expect(page.locator("[data-total]")).not_to_have_text("0")
    expect(page.locator("table.counts")).to_contain_text("payment reminder")
    expect(page.locator(".chart .bar")).to_have_count(24)
    expect(page.locator(".chart .zone-name").first).to_contain_text("Asia/Shanghai")
    assert page.locator(".chart .cell.quiet").count() > 0
    assert fits_the_width(page)


def test_today_and_the_messages_in_chinese(console: str, page: Page) -> None:
    page.goto(f"{console}/console/today?shop=lotus-tea")
    expect(page.locator("table.upcoming").first).to_contain_text("payment reminder")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("h1")).to_contain_text("未来24小时")
    expect(page.locator("table.upcoming").first).to_contain_text("催付提醒")
    page.goto(f"{console}/console/templates?shop=lotus-tea&locale=zh-CN")
    sms = page.locator("article[data-kind=payment_reminder][data-channel=sms] .text")
    expect(sms).to_contain_text("Lotus Tea")
    expect(sms).to_contain_text("回T退订")
    assert fits_the_width(page)
