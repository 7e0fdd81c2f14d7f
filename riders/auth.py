"""The authentication backend of riders' sessions (riders.views._rider_session_start).

Every rider page needs the user, the rider profile (riders.permissions.rider_required) and
often the rider's district (Home, the report form, nearby help): three queries per request
with Django's ModelBackend. This backend loads the user with both joined, one query. It only
restores sessions; nobody signs in through it with a password.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class RiderSessionBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        # Riders sign in with a phone code or the platform, never a password: no second
        # password check (and hash) after the staff backends refused one.
        return None

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("rider", "rider__district")
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
