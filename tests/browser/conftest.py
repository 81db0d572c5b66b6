"""Browser journeys in real headless Chromium: Debian's /usr/bin/chromium driven by Playwright.

Where there is no Chromium the journeys skip with the reason, except under CI=true, where a
missing browser is a failure: CI must run them.
"""

import os
from pathlib import Path

import pytest

from claims.seed import load_seed_if_empty

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# axe-core at the version package-lock.json pins; `make test` installs it with `npm ci`.
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def require(path, missing):
    """Skip when a tool the browser tests need is missing, saying why; under CI=true, fail."""
    if path.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser tests, but there is {missing}")
    pytest.skip(missing)


@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM, f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium as root")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while these tests run; their
    # own ORM calls (and the live server's database set-up) are still synchronous, so Django's
    # guard against ORM calls from async code does not apply. Only for these tests: the deploy
    # check rightly refuses this variable.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def live_seed(transactional_db):
    """The seed corpus as `make run` loads it, its first versions recorded."""
    load_seed_if_empty()


@pytest.fixture
def axe_script():
    """The path of axe-core's script, for the accessibility checks to inject into pages."""
    require(AXE, f"no axe-core at {AXE}: `make test` installs it with npm")
    return AXE
