"""Browser suite: Debian's Chromium driven by Playwright against the app served by waitress on 127.0.0.1."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
HAVE_CHROMIUM = Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not HAVE_CHROMIUM:
                item.add_marker(pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: browser suite NOT run"))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not HAVE_CHROMIUM:
        terminalreporter.write_line(
            f"BROWSER SUITE DID NOT RUN: no Chromium at {CHROMIUM} (apt-get install chromium fonts-wqy-microhei)",
            red=True, bold=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args,
            "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-quic",
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1280, "height": 900},
            "accept_downloads": True}


@pytest.fixture(scope="session")
def live_server(wsgi_app):
    """The app on a free port of 127.0.0.1 for the whole session."""
    from waitress import create_server
    server = create_server(wsgi_app, host="127.0.0.1", port=0, threads=4)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.close()


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(autouse=True)
def _page_guard(request):
    """Fail fast on a missing element, and fail on any script or style the CSP had to block."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    page.set_default_timeout(8000)
    blocked = []
    page.on("console", lambda msg: blocked.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    yield
    assert not blocked, f"CSP blocked something on a page: {blocked}"


@pytest.fixture
def shot(page, request):
    """shot("step-name"): save a full-page PNG under tests/artifacts/screenshots/<test>/."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return take


@pytest.fixture
def check(page, shot):
    """check("step-name"): the screenshot, then axe-core and the no-sideways-scrolling check (tests/browser/axe.py)."""
    from tests.browser.axe import check_page

    def run(name: str) -> Path:
        path = shot(name)
        check_page(page)
        return path
    return run
