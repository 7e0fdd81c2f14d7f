"""What governance holds of a rider, for their export and account closure
(core/personal_data.py; registered in GovernanceConfig.ready()).

The rider's export has their reports with the photos they took, the reports they joined, their
checks of fixes and their answers to departments' questions. Never another rider's: a report's
other supporters, another rider's check of the same fix, nor the department's evidence photos
(the department's, not the rider's).

Closure (docs/decisions.md "Account closure"): a report is also the city's record of a problem
and of how a department handled it, so the reports, their text, place and timeline stay, with
the rider pseudonymised (riders.profile). The photos the rider took are deleted: they are the
part most likely to show the rider or bystanders, and the case does not need them once closed.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.personal_data import Holding, register, rows_of

from .models import FixAnswer, Report, ReportPhoto, ReportQuestion, ReportSupporter


def _reports(rider):
    return rows_of(
        Report.objects.filter(rider=rider).order_by("created_at", "id"),
        "public_id",
        "description",
        "latitude",
        "longitude",
        "address",
        "location_approximate",
        "status",
        "reply",
        "reopen_count",
        "supporter_count",
        "created_at",
        "closed_at",
        "validated_at",
        category="category__name",
        district="district__name",
        department="department__name",
    )


def _report_files(rider):
    photos = ReportPhoto.objects.filter(report__rider=rider).select_related("report")
    return [
        (f"{photo.report.public_id}-{photo.position}.jpg", photo.image)
        for photo in photos.order_by("report__created_at", "report_id", "position")
        if photo.image
    ]


def _report_photos_erase(rider) -> int:
    erased = 0
    for photo in ReportPhoto.objects.filter(report__rider=rider):
        photo.image.delete(save=False)
        photo.thumbnail.delete(save=False)
        photo.delete()
        erased += 1
    return erased


def _photos_clear(queryset) -> int:
    """Delete the files of rows with an optional photo and thumbnail, and clear the fields."""
    cleared = 0
    for row in queryset.exclude(photo=""):
        row.photo.delete(save=False)
        row.thumbnail.delete(save=False)
        row.save(update_fields=["photo", "thumbnail"])
        cleared += 1
    return cleared


def _supports(rider):
    # Which reports the rider joined, and when: never who else did.
    return rows_of(
        ReportSupporter.objects.filter(rider=rider).order_by("created_at", "id"),
        "created_at",
        report="report__public_id",
        category="report__category__name",
        status="report__status",
    )


def _fix_answers(rider):
    return rows_of(
        FixAnswer.objects.filter(rider=rider).order_by("created_at", "id"),
        "round",
        "outcome",
        "satisfaction",
        "comment",
        "by_default",
        "created_at",
        report="report__public_id",
    )


def _fix_answer_files(rider):
    answers = FixAnswer.objects.filter(rider=rider).exclude(photo="").select_related("report")
    return [
        (f"{answer.report.public_id}-check-{answer.round}.jpg", answer.photo)
        for answer in answers.order_by("created_at", "id")
    ]


def _questions(rider):
    # Questions departments asked the rider on their own reports, and the rider's answers.
    return rows_of(
        ReportQuestion.objects.filter(report__rider=rider).order_by("asked_at", "id"),
        "position",
        "text",
        "asked_at",
        "answer_by",
        "answer",
        "answered_at",
        "closed_at",
        report="report__public_id",
        department="department__name",
    )


def _question_files(rider):
    questions = (
        ReportQuestion.objects.filter(report__rider=rider)
        .exclude(photo="")
        .select_related("report")
    )
    return [
        (f"{question.report.public_id}-answer-{question.position}.jpg", question.photo)
        for question in questions.order_by("asked_at", "id")
    ]


KEPT_CASE = _(
    "Kept without your name: a report is also the city's record of a problem and how it was "
    "handled. The photos you took are deleted."
)


def register_holdings() -> None:
    register(
        Holding(
            name="governance.reports",
            label=_("Reports you filed, with your photos"),
            export=_reports,
            files=_report_files,
            erase=_report_photos_erase,
            kept=KEPT_CASE,
        )
    )
    register(
        Holding(
            name="governance.supports",
            label=_("Reports you joined"),
            export=_supports,
            kept=_("Kept without your name: the count of riders who saw a problem."),
        )
    )
    register(
        Holding(
            name="governance.fix_answers",
            label=_("Your checks of fixes"),
            export=_fix_answers,
            files=_fix_answer_files,
            erase=lambda rider: _photos_clear(FixAnswer.objects.filter(rider=rider)),
            kept=KEPT_CASE,
        )
    )
    register(
        Holding(
            name="governance.questions",
            label=_("Departments' questions to you and your answers"),
            export=_questions,
            files=_question_files,
            erase=lambda rider: _photos_clear(
                ReportQuestion.objects.filter(Q(report__rider=rider))
            ),
            kept=KEPT_CASE,
        )
    )
