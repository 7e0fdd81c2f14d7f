"""No page but the notice until a signed-in rider has accepted its current version.

A rider's session remembers which version they accepted (`STATE_KEY`: the user it is for and
the version), written when they sign in (`remember_on_sign_in`, a user_logged_in receiver)
and when they accept. The current version is kept per process for a minute
(privacy/selectors.py `current_version`), so once accepted a page costs no query here. A new
version is seen by every process within that minute; the rider is then sent to accept it.

Exempt: what a rider must reach before accepting (the notice, sign-in and sign-out, the
language switch, their data rights under /me/data/: a copy, a correction, closing the account
never wait for an acceptance), what is not a rider page (static and media files, the admin,
the department API, Open311, the desk, the hall screens, the SMS gateways' receipts, health
checks, the service worker).
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .selectors import accepted_version, current_version

STATE_KEY = "privacy_notice"

EXEMPT_PREFIXES = (
    "/privacy/",
    "/sign-in/",
    "/sign-out/",
    "/language/",
    "/me/data/",
    "/admin/",
    "/api/",
    "/open311/",
    "/desk/",
    "/hall/",
    "/staff/",
    "/sms/receipts/",
    "/healthz",
    "/sw.js",
    "/offline/",
    "/favicon.ico",
)


def _exempt(path: str) -> bool:
    return path.startswith(EXEMPT_PREFIXES) or path.startswith(
        (settings.STATIC_URL or "/static/", settings.MEDIA_URL or "/media/")
    )


def remember(request: HttpRequest, *, version: int) -> None:
    """This session's rider has accepted `version`."""
    request.session[STATE_KEY] = {"user": request.session.get(SESSION_KEY), "version": version}


def remember_on_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in: note the version the rider accepted (staff: that they are not riders)."""
    if request is None or not hasattr(request, "session"):
        return
    rider = getattr(user, "rider", None)
    if rider is None:
        request.session[STATE_KEY] = {"user": request.session.get(SESSION_KEY), "rider": False}
    else:
        remember(request, version=accepted_version(rider=rider))


def must_accept(request: HttpRequest) -> bool:
    """Whether this request is a rider's who has not accepted the current notice."""
    current = current_version()
    if not current:
        return False  # nothing published yet: nothing to accept
    session = request.session
    user_id = session.get(SESSION_KEY)
    if user_id is None:
        return False  # anonymous
    state = session.get(STATE_KEY)
    if not state or state.get("user") != user_id:
        # A session from before the gate: look once, then remember.
        rider = getattr(request.user, "rider", None)
        if rider is None:
            session[STATE_KEY] = {"user": user_id, "rider": False}
            return False
        remember(request, version=accepted_version(rider=rider))
        state = session[STATE_KEY]
    if state.get("rider") is False:
        return False
    return int(state.get("version") or 0) < current


class NoticeGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _exempt(request.path_info) and must_accept(request):
            target = reverse("privacy:accept")
            if request.method in ("GET", "HEAD"):
                target += "?" + urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(target)
        return self.get_response(request)
