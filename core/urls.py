from django.urls import path

from . import otp_views, views

app_name = "core"

urlpatterns = [
    path("language/", views.language_switch, name="language"),
    path("healthz", views.healthz, name="healthz"),
    path("sw.js", views.service_worker, name="sw"),
    path("offline/", views.offline, name="offline"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("staff/two-factor/", otp_views.two_factor_verify, name="staff_two_factor"),
    path("staff/two-factor/set-up/", otp_views.two_factor_set_up, name="staff_two_factor_set_up"),
]
