"""Headless Chromium for the page tests: Debian's `chromium` driven by Playwright, with the network cut.

"Cut" twice over: the browser resolves no host name but 127.0.0.1 (`--host-resolver-rules`), and every request to
any other origin is aborted and recorded, so a test can assert that a page asked for nothing outside this server.
scripts/test installs chromium on a fresh machine; without it these tests fail (locally too), never skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page, Route, async_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Where the page tests leave a screenshot of each page for a developer to look at (git-ignored).
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
_NO_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


def require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"no chromium at {CHROMIUM}: scripts/test installs it (apt-get install chromium)")


@dataclass
class Offline:
    page: Page
    outside: list[str] = field(default_factory=list)
    """Every URL the page asked for outside 127.0.0.1 (each was refused)."""
    problems: list[str] = field(default_factory=list)
    """Console errors (a Content-Security-Policy violation is one) and uncaught exceptions."""

    async def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        return path


@asynccontextmanager
async def offline_page() -> AsyncIterator[Offline]:
    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=[_NO_NETWORK])
        try:
            page = await browser.new_page()
            offline = Offline(page)

            async def local_only(route: Route) -> None:
                url = route.request.url
                if urlsplit(url).hostname == "127.0.0.1" or url.startswith("data:"):
                    await route.continue_()
                else:
                    offline.outside.append(url)
                    await route.abort("internetdisconnected")

            await page.route("**/*", local_only)
            page.on("console", lambda message: message.type == "error" and offline.problems.append(message.text))
            page.on("pageerror", lambda error: offline.problems.append(str(error)))
            yield offline
        finally:
            await browser.close()
