"""A report in the workbench, its actions, and the department's scorecard (desk/report_views.py)."""

from django.urls import path

from . import report_views

REPORT = "reports/<str:public_id>/"

urlpatterns = [
    path(REPORT, report_views.report_view, name="report"),
    path(f"{REPORT}acknowledge/", report_views.acknowledge_view, name="report_acknowledge"),
    path(f"{REPORT}ask/", report_views.ask_view, name="report_ask"),
    path(f"{REPORT}resolve/", report_views.resolve_view, name="report_resolve"),
    path(f"{REPORT}reject/", report_views.reject_view, name="report_reject"),
    path(f"{REPORT}transfer/", report_views.transfer_view, name="report_transfer"),
    path(f"{REPORT}comment/", report_views.comment_view, name="report_comment"),
    path(f"{REPORT}evidence/", report_views.evidence_view, name="report_evidence"),
    path("scorecard/", report_views.scorecard_view, name="scorecard"),
    path("scorecard/export/", report_views.scorecard_export_view, name="scorecard_export"),
]
