"""A rider's rights over their data (issue 20, docs/mydata.md): the export, correction
requests, account closure. Every write goes through here: the rider's pages, the admin and the
tasks call these functions."""

import csv
import datetime as dt
import io
import json
import logging
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from auditlog.context import set_extra_data
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.errors import DomainError
from core.models import User
from core.personal_data import Holding, holdings, json_value
from core.queue import enqueue_on_commit
from core.services import notification_post
from riders.models import Rider
from riders.obligations import closure_obligations_of
from riders.services import CorrectionRefused, rider_profile_correct

from . import messages
from .models import AccountClosure, CorrectionRequest, DataExport

logger = logging.getLogger("mydata")

E = DataExport.Status
C = CorrectionRequest.Status


class MyDataError(DomainError):
    code = "mydata"


# --- The export --------------------------------------------------------------------------------


def export_request(*, rider: Rider) -> DataExport:
    """The rider asks for their copy: a queued export and its task after commit. Refused while
    one is on its way (data_export_one_pending_per_rider) or past the day's limit."""
    since = timezone.now() - dt.timedelta(days=1)
    if (
        DataExport.objects.filter(rider=rider, requested_at__gte=since).count()
        >= settings.MYDATA_EXPORTS_PER_DAY
    ):
        raise MyDataError(
            _("You can ask for your data %(count)d times a day. Try again tomorrow.")
            % {"count": settings.MYDATA_EXPORTS_PER_DAY},
            code="export_limit",
        )
    try:
        with transaction.atomic():
            export = DataExport.objects.create(rider=rider)
    except IntegrityError:
        raise MyDataError(
            _("Your data is being prepared already. This page shows when it is ready."),
            code="export_pending",
        ) from None
    from .tasks import build_data_export

    enqueue_on_commit(build_data_export, export.pk)
    return export


def _claim(export_id: int, now: dt.datetime) -> bool:
    """Take a queued export for building (a conditional UPDATE: of two tasks for one export,
    one builds it; a finished one is never built again)."""
    return (
        DataExport.objects.filter(pk=export_id, status=E.QUEUED).update(
            status=E.BUILDING, started_at=now
        )
        == 1
    )


def export_build(*, export_id: int) -> DataExport | None:
    """Build the export's ZIP and offer it; None when there was nothing to do (built already,
    or another worker is on it). Safe to repeat."""
    now = timezone.now()
    if not _claim(export_id, now):
        return None
    export = DataExport.objects.select_related("rider__user", "rider__district__city").get(
        pk=export_id
    )
    DataExport.objects.filter(pk=export_id).update(attempts=export.attempts + 1)
    rider = export.rider
    language = rider.user.language or settings.LANGUAGE_CODE
    with tempfile.TemporaryFile() as handle:
        with override(language):
            export_zip_write(rider=rider, handle=handle, made_at=now)
        size = handle.tell()
        handle.seek(0)
        with transaction.atomic():
            locked = DataExport.objects.select_for_update().get(pk=export_id)
            if locked.status != E.BUILDING:  # the sweep gave up on it meanwhile
                return None
            locked.file.save(f"data-{rider.pk}.zip", File(handle), save=False)
            ready = timezone.now()
            locked.status = E.READY
            locked.ready_at = ready
            locked.expires_at = ready + dt.timedelta(hours=settings.MYDATA_EXPORT_HOURS)
            locked.size = size
            locked.save()
            notification_post(
                recipient=rider.user,
                message=messages.EXPORT_READY,
                params={"hours": settings.MYDATA_EXPORT_HOURS},
                link=reverse("mydata:index"),
            )
    return locked


def _file_delete_on_commit(name: str) -> None:
    """Delete a stored export once the row that pointed at it is committed without it (a
    rollback keeps both)."""
    if not name:
        return
    storage = DataExport._meta.get_field("file").storage
    transaction.on_commit(lambda: storage.delete(name))


def export_fail(*, export_id: int) -> None:
    """A build raised: mark it failed (the rider may ask again), removing any file."""
    export = DataExport.objects.filter(pk=export_id, status__in=[E.QUEUED, E.BUILDING]).first()
    if export is None:
        return
    if export.file:
        export.file.delete(save=False)
    DataExport.objects.filter(pk=export_id, status__in=[E.QUEUED, E.BUILDING]).update(
        status=E.FAILED, file=""
    )


def _csv_text(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # spreadsheet programs read Chinese right with a BOM
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _holding_files(holding: Holding, rider: Rider) -> Iterator[tuple[str, Any]]:
    if holding.files is None:
        return
    for name, field in holding.files(rider):
        if field:
            yield name, field


def export_zip_write(*, rider: Rider, handle: Any, made_at: dt.datetime) -> list[str]:
    """Write the rider's ZIP to `handle`: per holding a JSON and a CSV, its files under
    files/<holding>/, and a README.txt in the active language. Returns the member names."""
    written: list[str] = []
    lines = [
        _("Your data from the Riders Portal"),
        _("Made on %(when)s for rider %(number)s.")
        % {
            "when": timezone.localtime(made_at).strftime("%Y-%m-%d %H:%M"),
            "number": rider.rider_number,
        },
        "",
        _(
            "Each kind of data is a JSON file and a CSV file (for spreadsheets) with the same "
            "rows; photos and proofs you uploaded are in the folder files/."
        ),
        "",
    ]
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for holding in holdings():
            rows = [json_value(row) for row in holding.export(rider)]
            archive.writestr(f"{holding.name}.json", json.dumps(rows, ensure_ascii=False, indent=2))
            archive.writestr(f"{holding.name}.csv", _csv_text(rows))
            written += [f"{holding.name}.json", f"{holding.name}.csv"]
            files = 0
            for name, field in _holding_files(holding, rider):
                member = f"files/{holding.name}/{name}"
                try:
                    with field.open("rb") as source, archive.open(member, "w") as target:
                        for chunk in iter(lambda: source.read(1 << 16), b""):
                            target.write(chunk)
                except FileNotFoundError:
                    # A row whose file is gone (retention removed it): the row says so.
                    logger.warning("export %s: %s missing", holding.name, field.name)
                    continue
                written.append(member)
                files += 1
            line = _("%(file)s.json / .csv: %(label)s, %(rows)d rows") % {
                "file": holding.name,
                "label": holding.label,
                "rows": len(rows),
            }
            if files:
                line += _(", %(files)d files in files/%(file)s/") % {
                    "files": files,
                    "file": holding.name,
                }
            lines.append(line)
        lines += [
            "",
            _(
                "Not included: the SMS log, which keeps only a masked number and no link to "
                "you; sign-in codes, kept for a day as a one-way hash."
            ),
        ]
        archive.writestr("README.txt", "\n".join(lines) + "\n")
        written.append("README.txt")
    return written


def exports_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Beat: delete the files of exports past their 24 hours, and queue again the exports a
    lost message or a dead worker left queued or building; give up after the attempts.
    Safe to repeat."""
    from .tasks import build_data_export

    now = now or timezone.now()
    expired = 0
    for export in DataExport.objects.filter(status=E.READY, expires_at__lte=now):
        with transaction.atomic():
            if DataExport.objects.filter(pk=export.pk, status=E.READY).update(
                status=E.EXPIRED, file=""
            ):
                _file_delete_on_commit(export.file.name or "")
                expired += 1
    stuck_before = now - dt.timedelta(minutes=settings.MYDATA_EXPORT_STUCK_MINUTES)
    stuck = DataExport.objects.filter(
        Q(status=E.QUEUED, requested_at__lt=stuck_before)
        | Q(status=E.BUILDING, started_at__lt=stuck_before)
    )
    requeued = failed = 0
    for export in stuck:
        if export.attempts >= settings.MYDATA_EXPORT_MAX_ATTEMPTS:
            export_fail(export_id=export.pk)
            failed += 1
            continue
        with transaction.atomic():
            # Back to queued with a fresh clock: the task claims it from there.
            DataExport.objects.filter(pk=export.pk, status=export.status).update(
                status=E.QUEUED, requested_at=now, started_at=None
            )
            enqueue_on_commit(build_data_export, export.pk)
        requeued += 1
    return {"expired": expired, "requeued": requeued, "failed": failed}


# --- Correction requests -----------------------------------------------------------------------


def _current_value(rider: Rider, field: str) -> str:
    if field == "district":
        return str(rider.district)
    if field == "joined_on":
        return rider.joined_on.isoformat()
    return str(getattr(rider, field) or "")


def correction_request_create(
    *, rider: Rider, field: str, requested_value: str, note: str = ""
) -> CorrectionRequest:
    """The rider asks the centre to correct one roster field (one open request per field)."""
    if field not in CorrectionRequest.Field.values:
        raise MyDataError(_("Choose what to correct."), code="field")
    requested_value = requested_value.strip()
    if not requested_value and field != "gender":
        raise MyDataError(_("Say what the correct value is."), code="value")
    try:
        with transaction.atomic():
            return CorrectionRequest.objects.create(
                rider=rider,
                field=field,
                current_value=_current_value(rider, field)[:100],
                requested_value=requested_value[:100],
                note=note.strip()[:500],
            )
    except IntegrityError:
        raise MyDataError(
            _("You have asked to correct this already; wait for the service centre's answer."),
            code="open_already",
        ) from None


def correction_apply(
    *, request: CorrectionRequest, by: User, value: str | None = None, answer: str = ""
) -> CorrectionRequest:
    """Centre staff apply a request: the rider's field changes through
    riders.services.rider_profile_correct (the audit trail records it, with `by` as actor) and
    the rider is told. `value` overrides what the rider typed (a district's id, a date)."""
    with transaction.atomic():
        locked = (
            CorrectionRequest.objects.select_for_update().select_related("rider").get(pk=request.pk)
        )
        if locked.status != C.OPEN:
            raise MyDataError(_("This request is handled already."), code="handled")
        try:
            with _audit(actor=by, note={"correction_request": locked.pk}):
                rider_profile_correct(
                    rider=locked.rider,
                    field=locked.field,
                    value=locked.requested_value if value is None else value,
                )
        except CorrectionRefused as refused:
            raise MyDataError(refused.message, code=refused.code) from None
        locked.status = C.DONE
        locked.handled_by = by
        locked.handled_at = timezone.now()
        locked.answer = answer.strip()[:500]
        locked.save()
        notification_post(
            recipient=locked.rider.user,
            message=messages.CORRECTION_DONE,
            params={"field": locked.get_field_display()},
            link=reverse("mydata:index"),
        )
    return locked


def correction_refuse(*, request: CorrectionRequest, by: User, answer: str) -> CorrectionRequest:
    """Centre staff refuse a request, saying why (the rider reads the answer)."""
    answer = answer.strip()
    if not answer:
        raise MyDataError(_("Say why the request is refused."), code="answer_required")
    with transaction.atomic():
        updated = CorrectionRequest.objects.filter(pk=request.pk, status=C.OPEN).update(
            status=C.REFUSED, handled_by=by, handled_at=timezone.now(), answer=answer[:500]
        )
        if not updated:
            raise MyDataError(_("This request is handled already."), code="handled")
        request.refresh_from_db()
        notification_post(
            recipient=request.rider.user,
            message=messages.CORRECTION_REFUSED,
            params={"field": request.get_field_display()},
            body=answer,
            link=reverse("mydata:index"),
        )
    return request


# --- Account closure ---------------------------------------------------------------------------


class ClosureRefused(DomainError):
    code = "closure_refused"

    def __init__(self, message: str, *, code: str | None = None, ties: Iterable[str] = ()):
        super().__init__(message, code=code)
        self.ties = list(ties)


def closure_plan() -> list[dict[str, str]]:
    """What closure does to each holding, for the rider to read before confirming."""
    return [{"label": str(holding.label), "kept": str(holding.kept)} for holding in holdings()]


@contextmanager
def _audit(*, actor: User | None, note: dict[str, Any]) -> Iterator[None]:
    """Every audit entry written inside carries `actor` and `note` (django-auditlog's context:
    who, and why — a closure's reason, the correction request applied)."""
    context: dict[str, Any] = {"additional_data": note}
    if actor is not None:
        context["actor"] = actor
    with set_extra_data(context_data=context):
        yield


def account_close(*, rider: Rider, by: User | None = None, reason: str = "") -> AccountClosure:
    """Close a rider's account: refused while an obligation stands (riders/obligations.py
    closure checks), else in one transaction every holding's erase runs (core/personal_data.py),
    the rider is pseudonymised and signed out everywhere, and an AccountClosure records who,
    why and what each holding erased and kept. `by` is staff acting on the rider's request
    (a reason required); None when the rider closes it themself."""
    reason = reason.strip()
    if by is not None and not reason:
        raise ClosureRefused(_("Say why the account is closed."), code="no_reason")
    with transaction.atomic():
        locked = (
            Rider.objects.select_for_update(of=("self",))
            .select_related("user", "district__city")
            .get(pk=rider.pk)
        )
        if AccountClosure.objects.filter(rider=locked, closed_at__isnull=False).exists():
            raise ClosureRefused(_("This account is closed already."), code="closed")
        ties = closure_obligations_of(locked)
        if ties:
            raise ClosureRefused(
                _("The account cannot be closed yet: %(ties)s") % {"ties": " ".join(ties)},
                code="tied",
                ties=ties,
            )
        now = timezone.now()
        closure = AccountClosure.objects.create(
            rider=locked, requested_at=now, by=by, reason=reason
        )
        summary: dict[str, dict[str, Any]] = {}
        actor = by or locked.user
        with _audit(actor=actor, note={"account_closure": closure.pk, "reason": reason}):
            # The rider's own profile last: the other holdings still find the rider by it.
            ordered = sorted(holdings(), key=lambda holding: holding.name == "riders.profile")
            for holding in ordered:
                erased = holding.erase(locked) if holding.erase is not None else 0
                summary[holding.name] = {"erased": erased, "kept": str(holding.kept)}
            closure.summary = summary
            closure.closed_at = timezone.now()
            closure.save()
        # Exports on their way or ready go with the account.
        for name in (
            DataExport.objects.filter(rider=locked).exclude(file="").values_list("file", flat=True)
        ):
            _file_delete_on_commit(name)
        DataExport.objects.filter(rider=locked).delete()
    return closure
