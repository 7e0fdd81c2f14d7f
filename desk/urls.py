"""The workbench (/desk/): the queue and signing in (desk/queue_urls.py), a report and what an
officer does with it, and the department's scorecard (desk/report_urls.py)."""

from django.urls import include, path

app_name = "desk"

urlpatterns = [
    path("", include("desk.queue_urls")),
    path("", include("desk.report_urls")),
]
