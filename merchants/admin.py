"""Centre admins: partner merchants with weekly opening hours, filters by district and service
(e-bike charging and battery swap among them), coordinates typed as numbers (no map needed),
and the CSV bulk import."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_tenancy import CityScopedAdmin, CityScopedInline
from core.tenancy import staff_city_id

from .forms import MerchantImportForm
from .importer import ImportRejected, import_merchants
from .models import Merchant, OpeningHours


class OpeningHoursInline(CityScopedInline, admin.TabularInline):
    model = OpeningHours
    extra = 0
    fields = ("weekday", "opens", "closes")


@admin.register(Merchant)
class MerchantAdmin(CityScopedAdmin):
    list_display = (
        "name",
        "kind",
        "district",
        "has_water",
        "has_charging",
        "has_toilet",
        "has_ebike_charging",
        "has_battery_swap",
        "has_ebike_repair",
        "open_24h",
        "is_active",
    )
    list_filter = (
        "district",
        "kind",
        "has_water",
        "has_charging",
        "has_toilet",
        "has_rest_seat",
        "has_ebike_charging",
        "has_battery_swap",
        "has_ebike_repair",
        "has_discount",
        "open_24h",
        "is_active",
    )
    search_fields = ("name", "address")
    list_select_related = ("district",)
    list_editable = ("is_active",)
    show_full_result_count = False
    inlines = [OpeningHoursInline]
    fieldsets = (
        (None, {"fields": ("name", "kind", "address", "district", ("latitude", "longitude"))}),
        (
            gettext_lazy("Services"),
            {
                "fields": (
                    ("has_water", "has_charging", "has_toilet"),
                    ("has_rest_seat", "has_ebike_repair", "has_discount"),
                    ("has_ebike_charging", "has_battery_swap"),
                    "discount_note",
                )
            },
        ),
        (None, {"fields": ("open_24h", "is_active", "partner_since")}),
    )

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="merchants_merchant_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload a CSV of merchants; good rows import, bad rows are listed with the reason."""
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        form = MerchantImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            try:
                report = import_merchants(
                    form.cleaned_data["file"].read(), city_id=staff_city_id(request.user)
                )
            except ImportRejected as error:
                form.add_error("file", error.message)
            else:
                self.message_user(
                    request,
                    _(
                        "%(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                        "%(bad)d rows with problems."
                    )
                    % {
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                        "bad": len(report.bad_rows),
                    },
                    messages.SUCCESS if not report.bad_rows else messages.WARNING,
                )
                if not report.bad_rows:
                    return HttpResponseRedirect(reverse("admin:merchants_merchant_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import merchants from CSV"),
            "form": form,
            "report": report,
            "opts": self.model._meta,
        }
        return render(request, "admin/merchants/merchant/import.html", context)
