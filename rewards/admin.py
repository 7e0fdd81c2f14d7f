"""Admin for rewards: awards and payout batches (subsidy reviewers), points ledger and
adjustments, the benefits catalogue, redemption codes, the honour roll.

Money and points change only through rewards.services; the ledger and awards are read-only here.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.admin_actions import run_each
from core.errors import DomainError
from core.photos import admin_picture
from core.responses import csv_download

from . import selectors, services
from .forms import PayoutBatchForm, PointsAdjustForm
from .models import Award, Benefit, Honour, LedgerEntry, PayoutBatch, PointsAccount, Redemption


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ("report", "rider", "kind", "cash_amount", "points", "batch", "created_at")
    list_filter = ("kind", "batch__status", ("batch", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("=report__public_id", "=rider__rider_number", "rider__name", "=batch__number")
    list_select_related = ("report", "rider", "batch")
    date_hierarchy = "created_at"
    show_full_result_count = False


class PayoutBatchStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return PayoutBatch.Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(PayoutBatch)
class PayoutBatchAdmin(admin.ModelAdmin):
    """Subsidy reviewers: create a month's batch, approve it, export it, mark it paid."""

    list_display = (
        "number",
        "month",
        "status",
        "item_count",
        "rider_count",
        "total",
        "created_by",
        "approved_by",
        "paid_by",
        "paid_at",
        "export_link",
    )
    list_filter = (PayoutBatchStatusFilter, "month")
    search_fields = ("=number",)
    list_select_related = ("created_by", "approved_by", "paid_by")
    actions = ["approve", "mark_paid", "discard"]
    readonly_fields = (
        "number",
        "month",
        "status",
        "item_count",
        "rider_count",
        "total",
        "created_by",
        "created_at",
        "approved_by",
        "approved_at",
        "paid_by",
        "paid_at",
        "export_link",
        "items_link",
    )
    fields = readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a draft is discarded by the action, which frees its items

    @admin.display(description=gettext_lazy("CSV for the payment system"))
    def export_link(self, batch: PayoutBatch) -> str:
        if batch.status == PayoutBatch.Status.DRAFT:
            return _("after approval")
        url = reverse("admin:rewards_payoutbatch_export", args=[batch.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download CSV"))

    @admin.display(description=gettext_lazy("items"))
    def items_link(self, batch: PayoutBatch) -> str:
        url = reverse("admin:rewards_award_changelist") + f"?batch__id__exact={batch.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Show the cash rewards in this batch"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="rewards_payoutbatch_export",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """A new batch takes every unpaid cash reward up to the end of the chosen month."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PayoutBatchForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                batch = services.payout_batch_create(
                    month=form.cleaned_data["month"], by=request.user
                )
            except DomainError as error:
                form.add_error("month", error.message)
            else:
                self.message_user(
                    request,
                    _("Batch %(number)s: %(count)d cash rewards, ¥%(total)s.")
                    % {"number": batch.number, "count": batch.item_count, "total": batch.total},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:rewards_payoutbatch_change", args=[batch.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("New payout batch"),
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/rewards/payoutbatch/add.html", context)

    def export_view(self, request, pk: int):
        """CSV, one line per rider, for the platform's payment system (approved/paid only)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        batch = get_object_or_404(PayoutBatch, pk=pk)
        if batch.status == PayoutBatch.Status.DRAFT:
            self.message_user(request, _("Approve the batch before exporting it."), messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:rewards_payoutbatch_change", args=[batch.pk])
            )

        return csv_download(
            f"{batch.number}.csv",
            ["batch", "rider_number", "rider_name", "items", "amount_yuan"],
            (
                [batch.number, line.rider_number, line.name, line.items, f"{line.amount:.2f}"]
                for line in selectors.payout_lines(batch=batch)
            ),
        )

    @admin.action(description=gettext_lazy("Approve"), permissions=["change"])
    def approve(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda batch: services.payout_batch_approve(batch=batch, by=request.user),
            ngettext("%(count)d batch approved.", "%(count)d batches approved.", queryset.count()),
        )

    @admin.action(description=gettext_lazy("Mark as paid"), permissions=["change"])
    def mark_paid(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda batch: services.payout_batch_mark_paid(batch=batch, by=request.user),
            ngettext(
                "%(count)d batch marked as paid.",
                "%(count)d batches marked as paid.",
                queryset.count(),
            ),
        )

    @admin.action(
        description=gettext_lazy("Discard draft (its items become payable again)"),
        permissions=["change"],
    )
    def discard(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda batch: services.payout_batch_discard(batch=batch, by=request.user),
            ngettext("%(count)d draft discarded.", "%(count)d drafts discarded.", queryset.count()),
        )


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyAdmin):
    list_display = ("rider", "balance", "updated_at", "ledger_link")
    search_fields = ("=rider__rider_number", "rider__name")
    list_select_related = ("rider",)
    show_full_result_count = False

    @admin.display(description=gettext_lazy("ledger"))
    def ledger_link(self, account: PointsAccount) -> str:
        url = reverse("admin:rewards_ledgerentry_changelist") + f"?rider__id__exact={account.pk}"
        return format_html('<a href="{}">{}</a>', url, _("History"))


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "rider",
        "kind",
        "points",
        "balance_after",
        "source",
        "reason",
        "expires_at",
    )
    list_filter = ("kind", "created_at")
    search_fields = ("=rider__rider_number", "rider__name", "=award__report__public_id")
    list_select_related = ("rider", "award__report", "redemption")
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description=gettext_lazy("from"))
    def source(self, entry: LedgerEntry) -> str:
        if entry.award_id:
            return entry.award.report.public_id
        if entry.redemption_id:
            return entry.redemption.code
        return "—"

    def get_urls(self):
        return [
            path(
                "adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="rewards_ledgerentry_adjust",
            ),
            *super().get_urls(),
        ]

    def adjust_view(self, request):
        """Centre admins: credit or debit a rider's points, with a reason, in the ledger."""
        if not request.user.has_perm("rewards.add_ledgerentry"):
            raise PermissionDenied
        form = PointsAdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                entry = services.points_adjust(
                    rider=form.cleaned_data["rider"],
                    points=form.cleaned_data["points"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except DomainError as error:
                form.add_error("points", error.message)
            else:
                self.message_user(
                    request,
                    _("Adjusted: %(points)+d points, balance now %(balance)d.")
                    % {"points": entry.points, "balance": entry.balance_after},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:rewards_ledgerentry_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Adjust a rider's points"),
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/rewards/ledgerentry/adjust.html", context)


class BenefitAdminForm(forms.ModelForm):
    class Meta:
        model = Benefit
        fields = (
            "name",
            "name_en",
            "kind",
            "description",
            "description_en",
            "provider",
            "points_price",
            "stock",
            "per_rider_limit",
            "active_from",
            "active_until",
            "picture",
            "is_active",
            "sort_order",
        )

    def clean_picture(self):
        return admin_picture(self.cleaned_data.get("picture"))


class HonourAdminForm(forms.ModelForm):
    class Meta:
        model = Honour
        fields = ("rider", "kind", "title", "title_en", "story", "story_en", "photo", "honoured_on")

    def clean_photo(self):
        return admin_picture(self.cleaned_data.get("photo"))


@admin.register(Benefit)
class BenefitAdmin(admin.ModelAdmin):
    form = BenefitAdminForm
    list_display = (
        "name",
        "name_en",
        "kind",
        "provider",
        "points_price",
        "stock",
        "per_rider_limit",
        "active_from",
        "active_until",
        "is_active",
    )
    list_filter = ("kind", "is_active", "active_from")
    search_fields = ("name", "name_en", "provider")
    list_editable = ("is_active",)


@admin.register(Redemption)
class RedemptionAdmin(admin.ModelAdmin):
    """Providers mark codes used; centre admins cancel unused ones and refund the points."""

    list_display = ("code", "benefit", "rider", "points", "status", "created_at", "used_at")
    list_filter = ("status", "benefit__kind", "benefit", "created_at")
    search_fields = ("=code", "=rider__rider_number", "rider__name")
    list_select_related = ("benefit", "rider")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["mark_used", "cancel_and_refund"]
    readonly_fields = (
        "code",
        "benefit",
        "rider",
        "points",
        "status",
        "created_at",
        "used_at",
        "used_by",
        "cancelled_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False  # riders redeem on the portal

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_use_permission(self, request) -> bool:
        return request.user.has_perm("rewards.use_redemption")

    @admin.action(description=gettext_lazy("Mark as used"), permissions=["use"])
    def mark_used(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda r: services.redemption_use(code=r.code, by=request.user),
            ngettext(
                "%(count)d code marked used.", "%(count)d codes marked used.", queryset.count()
            ),
        )

    @admin.action(description=gettext_lazy("Cancel and refund the points"), permissions=["change"])
    def cancel_and_refund(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda r: services.redemption_cancel(
                redemption=r, by=request.user, reason=_("Cancelled by the service centre")
            ),
            ngettext("%(count)d code cancelled.", "%(count)d codes cancelled.", queryset.count()),
        )


@admin.register(Honour)
class HonourAdmin(admin.ModelAdmin):
    form = HonourAdminForm
    list_display = ("title", "rider", "kind", "honoured_on", "validated_reports", "status")
    list_filter = ("status", "kind", "honoured_on")
    search_fields = ("title", "title_en", "rider__name", "=rider__rider_number")
    list_select_related = ("rider",)
    autocomplete_fields = ("rider",)
    actions = ["publish", "withdraw"]
    readonly_fields = (
        "status",
        "published_at",
        "published_by",
        "withdrawn_by",
        "month",
        "validated_reports",
    )
    fields = (
        "rider",
        "kind",
        "title",
        "title_en",
        "story",
        "story_en",
        "photo",
        "honoured_on",
        *readonly_fields,
    )

    @admin.action(description=gettext_lazy("Publish on the honour roll"), permissions=["change"])
    def publish(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda h: services.honour_publish(honour=h, by=request.user),
            ngettext(
                "%(count)d honour published.", "%(count)d honours published.", queryset.count()
            ),
        )

    @admin.action(description=gettext_lazy("Withdraw from the honour roll"), permissions=["change"])
    def withdraw(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda h: services.honour_withdraw(honour=h, by=request.user),
            ngettext(
                "%(count)d honour withdrawn.", "%(count)d honours withdrawn.", queryset.count()
            ),
        )
