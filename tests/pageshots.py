"""Pages as headless Chromium renders them (the DevTools-protocol browser of
test_report_browser): load a URL, wait until it has rendered, read the network log
(every request the page and its frames made, and which failed), take a screenshot,
and compare two screenshots pixel by pixel."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field

from PIL import Image, ImageChops

from tests.browser import Browser
from tests.waiting import wait_until

WIDTH, HEIGHT = 900, 1100


@dataclass
class Rendered:
    url: str
    screenshot: bytes
    requests: dict[str, str] = field(default_factory=dict)  # requestId -> URL
    failed: list[tuple[str, str]] = field(default_factory=list)  # (URL, why)
    text: str = ""


class PageShots:
    def __init__(self, browser: Browser):
        self.browser = browser
        browser.open_page()
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        browser.call("Emulation.setScrollbarsHidden", {"hidden": True})

    def render(self, url: str, ready: str, *, frame_text: str | None = None, timeout: float = 60) -> Rendered:
        """Load ``url``; ``ready`` is a JS expression true once the page has rendered."""
        browser = self.browser
        browser.events.clear()
        browser.call("Page.navigate", {"url": url})
        browser.wait_for("Page.loadEventFired")
        wait_until(lambda: browser.evaluate(ready), timeout, f"{url} to render ({ready})", interval=0.2)
        shot = base64.b64decode(browser.call("Page.captureScreenshot", {"format": "png"})["data"])
        rendered = Rendered(url, shot)
        responses = {}
        for event in browser.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                rendered.requests[params["requestId"]] = params["request"]["url"]
            elif method == "Network.responseReceived":
                responses[params["requestId"]] = params["response"]["status"]
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                rendered.failed.append((rendered.requests.get(params["requestId"], "?"), params.get("errorText", "")))
        rendered.failed += [(rendered.requests.get(rid, "?"), f"HTTP {status}") for rid, status in responses.items()
                            if status >= 400]
        return rendered


def same_pixels(a: bytes, b: bytes) -> float:
    """The share of pixels two screenshots have identical (0 when their sizes differ)."""
    first, second = (Image.open(io.BytesIO(x)).convert("RGB") for x in (a, b))
    if first.size != second.size:
        return 0.0
    difference = ImageChops.difference(first, second).convert("L")
    identical = difference.histogram()[0]
    return identical / (first.size[0] * first.size[1])
