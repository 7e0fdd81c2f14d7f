"""Admin for payout batches (subsidy reviewers): create a month's batch, have a second reviewer
approve it, export its CSV for the platform's payment system, mark it paid. Batches change only
through payouts.services; every field is read-only here."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.admin_actions import run_each
from core.admin_tenancy import CityScopedAdmin
from core.errors import DomainError
from core.responses import csv_download
from core.tenancy import city_filter, sees_all_cities

from . import selectors, services
from .forms import PayoutBatchForm
from .models import PayoutBatch


@admin.register(PayoutBatch)
class PayoutBatchAdmin(CityScopedAdmin):
    list_display = (
        "number",
        "source",
        "city",
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
    list_filter = ("source", "status", "month")
    search_fields = ("=number",)
    list_select_related = ("city", "created_by", "approved_by", "paid_by")
    actions = ["approve", "mark_paid", "discard"]
    readonly_fields = (
        "number",
        "source",
        "city",
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

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("payouts.approve_payoutbatch")

    def has_pay_permission(self, request) -> bool:
        return request.user.has_perm("payouts.pay_payoutbatch")

    @admin.display(description=gettext_lazy("CSV for the payment system"))
    def export_link(self, batch: PayoutBatch) -> str:
        if not selectors.exportable(batch):
            return _("after approval")
        url = reverse("admin:payouts_payoutbatch_export", args=[batch.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download CSV"))

    @admin.display(description=gettext_lazy("items"))
    def items_link(self, batch: PayoutBatch) -> str:
        return format_html(
            '<a href="{}">{}</a>', selectors.items_url(batch=batch), _("Show the items paid")
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="payouts_payoutbatch_export",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """A new batch takes every payable item of one kind up to the end of the chosen month."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PayoutBatchForm(request.POST or None, initial=request.GET.dict())
        if not sees_all_cities(request.user):
            del form.fields["city"]  # the staff member's own city
        if request.method == "POST" and form.is_valid():
            try:
                batch = services.batch_create(
                    source=form.cleaned_data["source"],
                    month=form.cleaned_data["month"],
                    by=request.user,
                    city=form.cleaned_data.get("city"),
                )
            except DomainError as error:
                form.add_error("month", error.message)
            else:
                self.message_user(
                    request,
                    _("Batch %(number)s: %(count)d items, ¥%(total)s. Someone else approves it.")
                    % {"number": batch.number, "count": batch.item_count, "total": batch.total},
                )
                return HttpResponseRedirect(
                    reverse("admin:payouts_payoutbatch_change", args=[batch.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("New payout batch"),
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/payouts/payoutbatch/add.html", context)

    def export_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        # Another city's batch is a 404, as on its change page.
        batch = get_object_or_404(city_filter(PayoutBatch.objects.all(), request.user), pk=pk)
        if not selectors.exportable(batch):
            self.message_user(request, _("Approve the batch before exporting it."), messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:payouts_payoutbatch_change", args=[batch.pk])
            )
        header, rows = selectors.csv_export(batch=batch)
        return csv_download(f"{batch.number}.csv", list(header), rows)

    @admin.action(description=gettext_lazy("Approve (not your own)"), permissions=["approve"])
    def approve(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda batch: services.batch_approve(batch=batch, by=request.user),
            ngettext("%(count)d batch approved.", "%(count)d batches approved.", queryset.count()),
        )

    @admin.action(description=gettext_lazy("Mark as paid"), permissions=["pay"])
    def mark_paid(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda batch: services.batch_mark_paid(batch=batch, by=request.user),
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
            lambda batch: services.batch_discard(batch=batch, by=request.user),
            ngettext("%(count)d draft discarded.", "%(count)d drafts discarded.", queryset.count()),
        )
