"""Subsidy reviewers: the claims queue (filters, bulk approve, reject with a reason), the dated
policy table, adjustments, payout batches with CSV. Approved and paid claims are read-only."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.admin_actions import run_each
from core.audit import PersonalDataViewLogMixin
from core.errors import DomainError
from core.responses import csv_download

from . import selectors, services
from .forms import BatchForm
from .models import Adjustment, Claim, ClaimLine, InsuranceType, SubsidyBatch, SubsidyPolicy


@admin.register(InsuranceType)
class InsuranceTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "code", "is_active")
    search_fields = ("name", "name_en", "code")


@admin.register(SubsidyPolicy)
class SubsidyPolicyAdmin(admin.ModelAdmin):
    list_display = ("insurance_type", "starts_on", "voluntary_rate", "honour_rate", "monthly_cap")
    list_filter = ("insurance_type",)
    date_hierarchy = "starts_on"


class ClaimLineInline(admin.TabularInline):
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
class ClaimAdmin(PersonalDataViewLogMixin, admin.ModelAdmin):
    list_display = (
        "rider",
        "month",
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
        "month",
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
class AdjustmentAdmin(admin.ModelAdmin):
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


@admin.register(SubsidyBatch)
class SubsidyBatchAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "month",
        "status",
        "claim_count",
        "total",
        "created_by",
        "paid_by",
        "paid_at",
        "export_link",
    )
    list_filter = ("status", "month")
    search_fields = ("=number",)
    actions = ["mark_paid"]
    readonly_fields = (
        "number",
        "month",
        "status",
        "claim_count",
        "total",
        "created_by",
        "created_at",
        "paid_by",
        "paid_at",
        "export_link",
    )
    fields = readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("CSV for the payment system"))
    def export_link(self, batch):
        url = reverse("admin:subsidies_subsidybatch_export", args=[batch.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download CSV"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="subsidies_subsidybatch_export",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BatchForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                batch = services.subsidy_batch_create(
                    month=form.cleaned_data["month"], by=request.user
                )
            except DomainError as error:
                form.add_error("month", error.message)
            else:
                self.message_user(
                    request,
                    _("Batch %(number)s: %(count)d claims, ¥%(total)s.")
                    % {"number": batch.number, "count": batch.claim_count, "total": batch.total},
                )
                return HttpResponseRedirect(
                    reverse("admin:subsidies_subsidybatch_change", args=[batch.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("New subsidy payout batch"),
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/subsidies/subsidybatch/add.html", context)

    def export_view(self, request, pk: int):
        """One line per claim and per adjustment, for the payment system."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(SubsidyBatch, pk=pk)

        return csv_download(
            f"{batch.number}.csv",
            [
                "batch",
                "rider_number",
                "rider_name",
                "month",
                "kind",
                "tier",
                "paid_yuan",
                "subsidy_yuan",
                "note",
            ],
            selectors.batch_lines(batch=batch),
        )

    @admin.action(
        description=gettext_lazy("Mark as paid (claims become paid)"), permissions=["change"]
    )
    def mark_paid(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda batch: services.subsidy_batch_mark_paid(batch=batch, by=request.user),
            ngettext(
                "%(count)d batch marked as paid.",
                "%(count)d batches marked as paid.",
                queryset.count(),
            ),
        )
