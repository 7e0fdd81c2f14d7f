from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("report/", views.report_new, name="new"),
    path("reports/", views.report_list, name="list"),
    path("reports/nearby/", views.reports_nearby, name="nearby"),
    path("reports/<slug:public_id>/", views.report_detail, name="detail"),
    path("reports/<slug:public_id>/join/", views.report_join, name="join"),
    path("reports/<slug:public_id>/check/", views.report_check, name="check"),
    path("reports/<slug:public_id>/answer/", views.question_answer, name="answer"),
    path("reports/<slug:public_id>/photos/<int:position>/", views.report_photo, name="photo"),
    path(
        "reports/<slug:public_id>/photos/<int:position>/thumb/",
        views.report_photo,
        {"size": "thumb"},
        name="photo_thumb",
    ),
    path("reports/<slug:public_id>/evidence/<int:pk>/", views.report_evidence, name="evidence"),
    path(
        "reports/<slug:public_id>/evidence/<int:pk>/thumb/",
        views.report_evidence,
        {"size": "thumb"},
        name="evidence_thumb",
    ),
    path(
        "reports/<slug:public_id>/checks/<int:pk>/photo/", views.answer_photo, name="answer_photo"
    ),
    path(
        "reports/<slug:public_id>/checks/<int:pk>/photo/thumb/",
        views.answer_photo,
        {"size": "thumb"},
        name="answer_photo_thumb",
    ),
    path(
        "reports/<slug:public_id>/questions/<int:position>/photo/",
        views.question_photo,
        name="question_photo",
    ),
    path(
        "reports/<slug:public_id>/questions/<int:position>/photo/thumb/",
        views.question_photo,
        {"size": "thumb"},
        name="question_photo_thumb",
    ),
]
