"""The project's 404 handler: under /api/ a 404 answers in the API's JSON error shape.

It lives here, not in portal, because the shape is the API's (api/errors.py) and portal does
not import api (the layers in pyproject.toml); everywhere else it is Django's own 404 page.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found as default_page_not_found

from .errors import error_body


def page_not_found(request, exception):
    """404s in the API answer in the API's JSON error shape; elsewhere the portal's page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return default_page_not_found(request, exception)
