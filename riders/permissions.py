from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def rider_required(view):
    """Portal pages: only a signed-in, active rider; sets request.rider.

    Anonymous visitors go to sign-in; staff without a rider profile get 403; a rider who was
    deactivated since signing in is signed out.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        rider = getattr(request.user, "rider", None)
        if rider is None:
            raise PermissionDenied(_("The portal is for riders. Staff use the admin."))
        if not rider.is_active:
            logout(request)
            messages.error(request, _("Your rider account is not active."))
            return redirect_to_login(request.get_full_path())
        request.rider = rider
        return view(request, *args, **kwargs)

    return wrapped
