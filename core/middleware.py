"""The database is unreachable: answer 503 in each interface's own shape, not an HTML 500.

Departments' systems parse the API's JSON and Open311's list of errors; an HTML 500 page is
noise to them and says "our bug" when it is an outage. Riders get the friendly 503 page, which
needs nothing from the database to render (templates/503.html, no context processors).

Views raise most of these (process_exception). A middleware that reads the session before the
view (auditlog's reads request.user) raises outside any view: Django turns that into a 500
response at once, so the signal below marks the request and __call__ swaps the response.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger("core.middleware")

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
_MARK = "_database_unavailable"


def _message() -> str:
    return _("The service is temporarily unavailable. Please try again in a minute.")


def unavailable_response(request) -> HttpResponse:
    path = request.path
    if path.startswith("/api/"):
        response = JsonResponse(
            {"error": {"code": "unavailable", "message": _message(), "fields": {}}}, status=503
        )
    elif path.startswith("/open311/"):
        # The GeoReport v2 error shape, in the format the client asked for.
        if path.endswith(".xml"):
            from xml.sax.saxutils import escape

            body = (
                '<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>503</code>'
                f"<description>{escape(_message())}</description></error></errors>"
            )
            response = HttpResponse(body, status=503, content_type="text/xml; charset=utf-8")
        else:
            response = JsonResponse(
                [{"code": 503, "description": _message()}], status=503, safe=False
            )
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@receiver(got_request_exception)
def _mark_database_unavailable(sender, request=None, **kwargs) -> None:
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        setattr(request, _MARK, True)


class DatabaseUnavailableMiddleware:
    """Put it first in MIDDLEWARE, so it also sees what the other middleware raised."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            return unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning("Database unavailable on %s: %s", request.path, exception)
            return unavailable_response(request)
        return None


class CityTimeMiddleware:
    """Times shown in the reader's city's zone (City.time_zone): the one remembered in the
    session at sign-in (core/tenancy.py remember_time_zone). Only a request that carries a
    session cookie looks; the zone is dropped after the response, so a thread's next request
    starts from the default."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import timezone

        from .tenancy import SESSION_TIME_ZONE

        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            name = request.session.get(SESSION_TIME_ZONE)
            if name:
                timezone.activate(name)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
