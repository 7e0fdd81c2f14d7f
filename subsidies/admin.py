"""Subsidy reviewers: the claims queue (filters, bulk approve, reject with a reason), the dated
policy table, adjustments (paid in payouts batches). Approved and paid claims are read-only."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.admin_actions import run_each
from core.admin_display import month_label
from core.admin_tenancy import CityScopedAdmin, CityScopedInline
from core.audit import PersonalDataViewLogMixin
from core.errors import DomainError
from core.tenancy import sees_all_cities, staff_city_id

from . import services
from .models import Adjustment, Claim, ClaimLine, InsuranceType, SubsidyPolicy


@admin.register(InsuranceType)
class InsuranceTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "code", "is_active")
    search_fields = ("name", "name_en", "code")


@admin.register(SubsidyPolicy)
class SubsidyPolicyAdmin(CityScopedAdmin):
    """Each city's own policy table, and the national one (no city) every city falls back to
    (subsidies/services.py policies_for). Staff of a city see both and change their city's;
    only national admins change the national table."""

    list_display = (
        "insurance_type",
        "city",
        "starts_on",
        "voluntary_rate",
        "honour_rate",
        "monthly_cap",
    )
    list_filter = ("insurance_type",)
    list_select_related = ("insurance_type", "city")
    date_hierarchy = "starts_on"

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if sees_all_cities(request.user):
            return queryset
        city_id = staff_city_id(request.user)
        if city_id is None:
            return queryset.none()
        return queryset.filter(Q(city=city_id) | Q(city__isnull=True))

    def _national(self, request, obj) -> bool:
        return obj is not None and obj.city_id is None and not sees_all_cities(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return not self._national(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self._national(request, obj) and super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        city = form.base_fields.get("city")
        if city is not None and not sees_all_cities(request.user):
            # Staff of a city write their own city's table.
            city.required = True
            city.empty_label = None
        return form


class ClaimLineInline(CityScopedInline, admin.TabularInline):
    model = ClaimLine
    extra = 0
    can_delete = False
    fields = ("insurance_type", "amount_paid", "rate", "capped", "subsidy", "policy")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReviewActionForm(ActionForm):
    reason = forms.CharField(
        label=gettext_lazy("reason (to reject)"), max_length=300, required=False
    )


@admin.register(Claim)
class ClaimAdmin(PersonalDataViewLogMixin, CityScopedAdmin):
    list_display = (
        "rider",
        "month_label",
        "tier",
        "total_paid",
        "subsidy",
        "status",
        "created_at",
        "proof_link",
    )
    list_filter = ("status", "month", "tier")
    search_fields = ("=rider__rider_number", "rider__name")
    list_select_related = ("rider",)
    date_hierarchy = "month"
    show_full_result_count = False
    action_form = ReviewActionForm
    actions = ["approve", "reject"]
    inlines = [ClaimLineInline]
    readonly_fields = (
        "rider",
        "month_label",
        "tier",
        "total_paid",
        "subsidy",
        "status",
        "reason",
        "reviewed_by",
        "reviewed_at",
        "batch",
        "created_at",
        "proof_link",
    )
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False  # riders file claims on the portal

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("month"), ordering="month")
    def month_label(self, claim: Claim) -> str | None:
        return month_label(claim.month)

    @admin.display(description=gettext_lazy("proof"))
    def proof_link(self, claim):
        return format_html(
            '<a href="{}">{}</a>', reverse("subsidies:proof", args=[claim.pk]), _("open")
        )

    @admin.action(
        description=gettext_lazy("Approve (subsidy computed from the tier history)"),
        permissions=["change"],
    )
    def approve(self, request, queryset) -> None:
        count = services.claims_approve(claims=queryset, reviewer=request.user)
        self.message_user(
            request,
            ngettext("%(count)d claim approved.", "%(count)d claims approved.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=gettext_lazy("Reject with the reason typed above"), permissions=["change"]
    )
    def reject(self, request, queryset) -> None:
        reason = request.POST.get("reason", "")
        run_each(
            self,
            request,
            queryset,
            lambda claim: services.claim_reject(claim=claim, reviewer=request.user, reason=reason),
            _("%(count)d claims rejected."),
        )


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ("claim", "amount", "reason")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("claim") and cleaned.get("amount") is not None:
            try:
                services.claim_adjust_check(
                    claim=cleaned["claim"],
                    amount=cleaned["amount"],
                    reason=cleaned.get("reason", ""),
                )
            except DomainError as error:
                raise forms.ValidationError(error.message) from error
        return cleaned


@admin.register(Adjustment)
class AdjustmentAdmin(CityScopedAdmin):
    form = AdjustmentForm
    list_display = ("claim", "amount", "reason", "created_by", "batch", "created_at")
    search_fields = ("=claim__rider__rider_number", "reason")
    list_select_related = ("claim__rider", "created_by", "batch")
    raw_id_fields = ("claim",)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        created = services.claim_adjust(
            claim=obj.claim, amount=obj.amount, reason=obj.reason, by=request.user
        )
        obj.pk, obj.created_by, obj.created_at = created.pk, created.created_by, created.created_at
