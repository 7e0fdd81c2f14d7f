from django.urls import path

from . import notify_views, views

app_name = "riders"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    # Sign in with the platform (OpenID Connect); both 404 unless configured (riders/oidc.py).
    path("sign-in/platform/", views.platform_sign_in, name="platform_sign_in"),
    path("sign-in/platform/callback/", views.platform_callback, name="platform_callback"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("me/inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
    path("me/inbox/", notify_views.inbox, name="inbox"),
    path("me/sms/", notify_views.sms_preferences, name="sms_preferences"),
]
