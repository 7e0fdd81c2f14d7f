"""The service worker's shell: which static files it keeps for offline use and the version of
its caches. The version is a hash of the worker's own source and of every shell file (its URL,
hashed by the manifest storage in production, and its bytes), so any deploy that changes one of
them installs a new worker, which drops the old caches."""

import hashlib
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.templatetags.static import static

SW_TEMPLATE = "sw.js"
# What every rider page needs to render offline: the styles, the icons, the scripts that every
# page loads. The pages' own CSS files are kept too, so a last-seen copy looks as it did.
SHELL_STATIC = (
    "css/portal.css",
    "css/apartments.css",
    "css/canteen.css",
    "css/growth.css",
    "css/merchants.css",
    "css/reports.css",
    "css/rewards.css",
    "icons/sprite.svg",
    "icons/icon-192.png",
    "icons/favicon.ico",
    "js/sw-register.js",
)


def shell_urls() -> list[str]:
    return [static(name) for name in SHELL_STATIC]


def _file_bytes(name: str) -> bytes:
    path = finders.find(name)
    if not path:
        return b""
    with open(path, "rb") as f:
        return f.read()


def cache_version() -> str:
    """12 hex digits naming this deploy's caches."""
    digest = hashlib.sha256(get_template(SW_TEMPLATE).template.source.encode())
    for name, url in zip(SHELL_STATIC, shell_urls(), strict=True):
        digest.update(url.encode())
        digest.update(_file_bytes(name))
    return digest.hexdigest()[:12]


@lru_cache(maxsize=1)
def favicon_bytes() -> bytes:
    return _file_bytes("icons/favicon.ico")
