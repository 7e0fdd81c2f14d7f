"""Centre staff: correction requests (a task list: apply or refuse with an answer), account
closures on a rider's request (a reason required, the audit trail records who and why), and
the exports (status only: the file is the rider's alone)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_actions import run_each
from core.admin_tenancy import CityScopedAdmin
from riders.obligations import closure_obligations_of

from . import services
from .models import AccountClosure, CorrectionRequest, DataExport


class CorrectionActionForm(ActionForm):
    answer = forms.CharField(
        label=gettext_lazy("answer to the rider (required to refuse)"),
        max_length=500,
        required=False,
    )


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(CityScopedAdmin):
    city_lookup = "rider__district__city"
    list_display = (
        "rider",
        "field",
        "current_value",
        "requested_value",
        "status",
        "created_at",
        "handled_by",
    )
    list_filter = ("status", "field")
    search_fields = ("=rider__rider_number", "rider__name", "requested_value")
    list_select_related = ("rider", "handled_by")
    date_hierarchy = "created_at"
    action_form = CorrectionActionForm
    actions = ["apply", "refuse"]
    readonly_fields = (
        "rider",
        "field",
        "current_value",
        "requested_value",
        "note",
        "status",
        "created_at",
        "handled_by",
        "handled_at",
        "answer",
    )
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False  # riders ask on Me → My data

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(
        description=gettext_lazy("Apply: correct the rider's profile as asked"),
        permissions=["change"],
    )
    def apply(self, request, queryset) -> None:
        answer = request.POST.get("answer", "")
        run_each(
            self,
            request,
            queryset.select_related("rider"),
            lambda item: services.correction_apply(request=item, by=request.user, answer=answer),
            _("%(count)d requests applied."),
        )

    @admin.action(
        description=gettext_lazy("Refuse with the answer typed above"), permissions=["change"]
    )
    def refuse(self, request, queryset) -> None:
        answer = request.POST.get("answer", "")
        run_each(
            self,
            request,
            queryset.select_related("rider"),
            lambda item: services.correction_refuse(request=item, by=request.user, answer=answer),
            _("%(count)d requests refused."),
        )


class ClosureForm(forms.ModelForm):
    class Meta:
        model = AccountClosure
        fields = ("rider", "reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "reason" not in self.fields:  # the read-only change page
            return
        self.fields["reason"].required = True
        self.fields["reason"].help_text = _(
            "Why the account is closed, e.g. the rider's written request of which date. "
            "Recorded in the audit trail."
        )

    def clean(self):
        cleaned = super().clean()
        rider = cleaned.get("rider")
        if rider is not None:
            ties = closure_obligations_of(rider)
            if ties:
                raise forms.ValidationError(
                    _("The account cannot be closed yet: %(ties)s") % {"ties": " ".join(ties)}
                )
        return cleaned


@admin.register(AccountClosure)
class AccountClosureAdmin(CityScopedAdmin):
    """Add = close a rider's account on their request (mydata.services.account_close); the
    record is read-only afterwards."""

    city_lookup = "rider__district__city"
    form = ClosureForm
    list_display = ("rider", "closed_at", "by", "reason")
    list_select_related = ("rider", "by")
    search_fields = ("=rider__id", "reason")
    date_hierarchy = "requested_at"
    autocomplete_fields = ("rider",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("rider", "reason")
        return ("rider", "requested_at", "closed_at", "by", "reason", "summary")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        # The change page is for reading; nothing in a closure is edited afterwards.
        return super().has_change_permission(request, obj) and (
            obj is None or request.method == "GET"
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        closure = services.account_close(
            rider=form.cleaned_data["rider"], by=request.user, reason=form.cleaned_data["reason"]
        )
        obj.pk = closure.pk
        obj.requested_at, obj.closed_at, obj.by = (
            closure.requested_at,
            closure.closed_at,
            closure.by,
        )
        obj.summary = closure.summary
        self.message_user(request, _("The account is closed."), messages.SUCCESS)

    def response_add(self, request, obj, post_url_continue=None):
        obj._state.adding = False
        return super().response_add(request, obj, post_url_continue)


@admin.register(DataExport)
class DataExportAdmin(CityScopedAdmin):
    """Status of riders' exports, for support questions ("it never arrived"); no file link."""

    city_lookup = "rider__district__city"
    list_display = ("rider", "status", "requested_at", "ready_at", "expires_at", "size", "attempts")
    list_filter = ("status",)
    list_select_related = ("rider",)
    search_fields = ("=rider__rider_number",)
    fields = ("rider", "status", "requested_at", "started_at", "ready_at", "expires_at", "size")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
