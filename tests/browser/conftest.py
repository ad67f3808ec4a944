"""A real Hexad server on demo data for the browser tests, and Debian's Chromium to drive it.

One demo run, one `hexad serve` and one `hexad worker` (it drives the contract approval workflow)
per module, all as subprocesses on their own HEXAD_HOME. Playwright never downloads a browser: it
launches /usr/bin/chromium (`make setup` installs it).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from hexad.api.dashboard import dashboard_folder
from hexad.auth.keys import user_pool
from hexad.auth.mfa import new_secret
from hexad.config import load_settings
from hexad.demo.run import ADMIN_EMAIL

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "Browser-Tests-2026!"
SECOND_ADMIN = "ops@hexad.local"
REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass
class Dashboard:
    """Where the server listens and who may sign in."""

    url: str
    home: Path
    admin_one_time_password: str
    mfa_secret: str


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(url: str, server: subprocess.Popen[bytes], seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"hexad serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"hexad serve did not answer {url}healthz within {seconds} s")


def _users(home: Path) -> tuple[str, str]:
    """The demo admin's one-time password (reset, as the demo printed it once), a viewer, a second
    admin with a set password, an MFA user."""
    pool = user_pool(load_settings(home=home))
    admin_password = pool.reset_password(ADMIN_EMAIL)
    viewer, once = pool.add("viewer@hexad.local", "Read only", ["viewer"])
    pool.change_password(viewer.id, once, PASSWORD)
    second, once = pool.add(SECOND_ADMIN, "Second administrator", ["admin"])  # independent of test order
    pool.change_password(second.id, once, PASSWORD)
    manager, once = pool.add("mfa@hexad.local", "Service manager", ["service_manager"])
    pool.change_password(manager.id, once, PASSWORD)
    secret = new_secret()
    pool.enrol_mfa(manager.id, secret, pyotp.TOTP(secret).now())
    return admin_password, secret


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    if not CHROMIUM.exists():
        _missing("Debian's chromium is not installed (make setup installs it)")
    if dashboard_folder() is None:
        _missing("the web dashboard is not built (make web, or npm --prefix web ci && npm run build)")
    home = tmp_path_factory.mktemp("dashboard") / "home"
    env = {**os.environ, "HEXAD_HOME": str(home), "HEXAD_LOG_LEVEL": "WARNING"}
    clients = os.environ.get("HEXAD_BROWSER_CLIENTS", "20")  # 200 for the README's screenshots
    demo = [sys.executable, "-m", "hexad", "demo", "run", "--seed", "5", "--clients", clients]
    demo += ["--json", "--no-serve"]
    done = subprocess.run(demo, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout)["admin_password_created"] is True
    admin_password, secret = _users(home)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log = (home / "serve.log").open("wb")
    serve = [sys.executable, "-m", "hexad", "serve", "--port", str(port)]
    server = subprocess.Popen(serve, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker_command = [sys.executable, "-m", "hexad", "worker", "--no-scheduler"]
    worker = subprocess.Popen(worker_command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(url, server)
        yield Dashboard(url, home, admin_password, secret)
    finally:
        _stop(worker)
        _stop(server)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _missing("Debian's chromium is not installed (make setup installs it)")
    with sync_playwright() as playwright:
        yield _launch(playwright)


def _launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--disable-gpu"])


def sign_in(browser: Browser, dashboard: Dashboard, email: str, password: str = PASSWORD) -> Page:
    """A fresh page signed in through the sign-in form."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(dashboard.url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Overview").wait_for()
    return page


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/screenshots when HEXAD_SCREENSHOTS=1 (to refresh the README's pictures), else a temp folder."""
    if os.environ.get("HEXAD_SCREENSHOTS") == "1":
        folder = REPOSITORY / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")
