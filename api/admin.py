from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_tenancy import CityScopedAdmin
from core.tenancy import sole_city_id

from .models import ApiToken
from .services import token_issue, token_revoke


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["kind", "department", "city", "label"]

    def clean(self):
        cleaned = super().clean()
        officer = cleaned.get("kind") == ApiToken.Kind.OFFICER
        if officer and not cleaned.get("department"):
            self.add_error("department", _("An officer's token belongs to a department."))
        if not officer and cleaned.get("department"):
            self.add_error("department", _("An integration key has no department."))
        if not officer and not cleaned.get("city") and sole_city_id() is None:
            self.add_error("city", _("Choose the city this key files reports in."))
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(CityScopedAdmin):
    """Centre admins issue tokens (the key is shown once, after saving) and revoke them."""

    form = ApiTokenForm
    list_display = (
        "label",
        "kind",
        "department",
        "city",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("kind", "department", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("label", "prefix", "department__name", "department__code")
    list_select_related = ("department", "city")
    readonly_fields = ("prefix", "created_at", "created_by", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return (
            ["kind", "department", "city", "label"]
            if obj is None
            else ["kind", "department", "city", "label", *self.readonly_fields]
        )

    def get_readonly_fields(self, request, obj=None):
        return (
            self.readonly_fields
            if obj is None
            else ("kind", "department", "city", "label", *self.readonly_fields)
        )

    def save_model(self, request, obj: ApiToken, form, change: bool) -> None:
        if change:
            return  # tokens are immutable; revoke and issue a new one
        token, key = token_issue(
            label=obj.label,
            department=obj.department,
            integration=obj.kind == ApiToken.Kind.INTEGRATION,
            city=form.cleaned_data.get("city"),
            created_by=request.user,
        )
        obj.pk = token.pk
        self.message_user(
            request,
            _("New key, shown this once — copy it now: %(key)s") % {"key": key},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke(self, request, queryset) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token_revoke(token=token)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
            % {"count": len(tokens)},
            messages.SUCCESS,
        )
