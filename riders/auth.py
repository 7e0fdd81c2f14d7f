"""The authentication backend of riders' sessions (riders.views._rider_session_start).

Every rider page needs the user, the rider profile (riders.permissions.rider_required) and
often the rider's district (Home, the report form, nearby help): three queries per request
with Django's ModelBackend. This backend loads the user with both joined, one query. It only
restores sessions; nobody signs in through it with a password.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from core.prepared import PreparedModels

# Compiled once per process (core/prepared.py): a rider page's second query, after the session.
_USER = PreparedModels(
    lambda _shape, user_id: (
        get_user_model()
        ._default_manager.select_related("rider", "rider__district__city")
        .filter(pk=user_id)[:2]
    ),
    user_id=int,
)


class RiderSessionBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        # Riders sign in with a phone code or the platform, never a password: no second
        # password check (and hash) after the staff backends refused one.
        return None

    def get_user(self, user_id):
        users = _USER.objects(user_id=user_id)
        if len(users) != 1:
            return None
        return users[0] if self.user_can_authenticate(users[0]) else None
