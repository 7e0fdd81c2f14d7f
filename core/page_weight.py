"""Measure a portal page's weight: its HTML plus the CSS and JS it references (no images).

Used by the test suite (budget: 60 KB uncompressed) and by bench/page_weight.py.
"""

import gzip
import re
from dataclasses import dataclass

from django.contrib.staticfiles import finders
from django.test import Client

BUDGET_BYTES = 60 * 1024
ASSET = re.compile(
    r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"|<script[^>]+src="([^"]+)"', re.IGNORECASE
)


@dataclass(frozen=True)
class PageWeight:
    path: str
    html: int
    css: int
    js: int
    gzip: int

    @property
    def total(self) -> int:
        return self.html + self.css + self.js


def page_weight(client: Client, path: str) -> PageWeight:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.content
    sizes = {"css": 0, "js": 0}
    compressed = len(gzip.compress(html))
    for css_url, js_url in ASSET.findall(html.decode()):
        url = css_url or js_url
        found = finders.find(url.removeprefix("/static/").split("?")[0])
        assert found, f"{path} references {url}, which does not exist"
        with open(found, "rb") as asset:
            content = asset.read()
        sizes["css" if css_url else "js"] += len(content)
        compressed += len(gzip.compress(content))
    return PageWeight(path, len(html), sizes["css"], sizes["js"], compressed)
