"""Who may use the workbench: an active officer (governance.Officer) of an active department.
Everyone else is sent to the workbench's sign-in, or refused (403) when signed in as someone
who is not an officer; a report of another department is a 404 (desk views scope by
`request.officer.department`)."""

import time
from functools import wraps

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from core.staff_auth import SESSION_STAFF_SIGNED_IN_AT
from governance.models import Officer


def officer_of(user) -> Officer | None:
    if not user.is_authenticated:
        return None
    return (
        Officer.objects.select_related("department")
        .filter(user=user, is_active=True, department__is_active=True)
        .first()
    )


def _working_day_over(request) -> bool:
    """A workbench sign-in (desk.views) ends STAFF_SESSION_SECONDS after the password, however
    active, as a staff session does (core/staff_auth.py); the session's own expiry says the
    same, this also ends one whose expiry was lengthened since."""
    signed_in_at = request.session.get(SESSION_STAFF_SIGNED_IN_AT)
    return isinstance(signed_in_at, int) and (
        time.time() - signed_in_at > settings.STAFF_SESSION_SECONDS
    )


def officer_required(view):
    """Sets `request.officer` (with its department) for the view."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and _working_day_over(request):
            logout(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("desk:sign_in"))
        officer = officer_of(request.user)
        if officer is None:
            raise PermissionDenied
        request.officer = officer
        return view(request, *args, **kwargs)

    return wrapped


def head_required(view):
    """An officer who is the department's head."""

    @officer_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.officer.is_head:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
