"""The audit trail (django-auditlog): masking, and the log of who viewed riders' personal data.

Which models are audited is declared in one list, settings.AUDITLOG_INCLUDE_TRACKING_MODELS, so
no app imports another to register it. Changes made during a request carry the staff member
as actor (auditlog.middleware.AuditlogMiddleware); changes made by the worker or a management
command have no actor ("system").

Admin actions (approve a payout batch, validate a report, …) often move a status with a
conditional UPDATE, which sends no model signal; `AuditMiddleware` records each admin action
run on a list page as one entry per selected object (who, which action, when).

Viewing is not a change, so the admin views that show a rider's personal data unmasked call
`personal_data_viewed` (through `PersonalDataViewLogMixin`), which writes ACCESS entries.
"""

from collections.abc import Iterable

from auditlog.cid import get_cid
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.http import HttpRequest
from django.utils.encoding import smart_str

SECRET_MASK = "********"  # noqa: S105 - a mask, not a password


def mask_secret(value: str) -> str:
    """auditlog's default mask keeps half the value; a signing secret must not leak at all."""
    return SECRET_MASK if value else ""


# More would be a "select all" over a whole table; the action itself records its own effects.
ADMIN_ACTION_LOG_MAX_OBJECTS = 1000


def _new_entry(*, request: HttpRequest, **fields) -> LogEntry:
    user = request.user if request.user.is_authenticated else None
    return LogEntry(
        actor=user,
        actor_email=getattr(user, "email", None) or None,
        remote_addr=AuditlogMiddleware._get_remote_addr(request),
        cid=get_cid(),
        **fields,
    )


def personal_data_viewed(*, request: HttpRequest, instances: Iterable[Model], view: str) -> int:
    """Record that request.user was shown these objects' personal data; returns the count.

    One INSERT for the whole page, so a search result of 50 riders costs one query.
    """
    instances = [instance for instance in instances if instance.pk is not None]
    if not instances:
        return 0
    content_types = ContentType.objects.get_for_models(*{type(i) for i in instances})
    entries = [
        _new_entry(
            request=request,
            content_type=content_types[type(instance)],
            object_pk=smart_str(instance.pk),
            object_id=instance.pk if isinstance(instance.pk, int) else None,
            object_repr=smart_str(instance),
            action=LogEntry.Action.ACCESS,
            changes=None,
            additional_data={"view": view, "path": request.path},
        )
        for instance in instances
    ]
    LogEntry.objects.bulk_create(entries)
    return len(entries)


def admin_action_ran(*, request: HttpRequest, model_admin, action: str) -> int:
    """Record that request.user ran an admin action on the selected objects; returns the count."""
    model = model_admin.model
    selected = request.POST.getlist("_selected_action")[:ADMIN_ACTION_LOG_MAX_OBJECTS]
    objects = {smart_str(obj.pk): obj for obj in model._base_manager.filter(pk__in=selected)}
    actions = model_admin.get_actions(request)
    label = str(actions[action][2]) if action in actions else action
    content_type = ContentType.objects.get_for_model(model)
    extra = {"admin_action": action, "select_across": request.POST.get("select_across") == "1"}
    entries = [
        _new_entry(
            request=request,
            content_type=content_type,
            object_pk=pk,
            object_id=obj.pk if isinstance(obj.pk, int) else None,
            object_repr=smart_str(obj),
            action=LogEntry.Action.UPDATE,
            changes={"admin action": ["", label]},
            additional_data=extra,
        )
        for pk, obj in objects.items()
    ]
    LogEntry.objects.bulk_create(entries)
    return len(entries)


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware (the request's user is the actor of every change it makes), plus
    a record of each admin action that ran (the admin answers a finished action with a
    redirect; a confirmation page is a 200 and has not run yet)."""

    def __call__(self, request):
        response = super().__call__(request)
        match = getattr(request, "resolver_match", None)
        model_admin = getattr(getattr(match, "func", None), "model_admin", None)
        if (
            model_admin is not None
            and request.method == "POST"
            and match.url_name.endswith("_changelist")
            and response.status_code == 302
            and request.POST.get("action")
            and request.user.is_authenticated
        ):
            admin_action_ran(
                request=request, model_admin=model_admin, action=request.POST["action"]
            )
        return response


class PersonalDataViewLogMixin:
    """For a ModelAdmin whose change page (or search results) show personal data unmasked.

    The change page is logged when it is shown (GET, 200). A search in the list is logged for
    every object on the result page: a search by exact phone number is how staff look someone
    up, and the list shows names. Browsing the list without a search is not logged; it shows
    only masked phones (see docs/security.md).
    """

    personal_data_log_searches = True

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            original = getattr(response, "context_data", {}).get("original")
            if original is not None:
                personal_data_viewed(request=request, instances=[original], view="change")
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if (
            self.personal_data_log_searches
            and response.status_code == 200
            and changelist is not None
            and changelist.query
        ):
            personal_data_viewed(request=request, instances=changelist.result_list, view="search")
        return response


def mask_phone(value: str) -> str:
    """138****1234, as riders.models.mask_phone (core cannot import riders)."""
    return f"{value[:3]}****{value[-4:]}" if len(value) >= 7 else "*" * len(value)
