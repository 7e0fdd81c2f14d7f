"""Admin for rewards: awards (paid in payouts batches), points ledger and
adjustments, the benefits catalogue, redemption codes, the honour roll.

Money and points change only through rewards.services; the ledger and awards are read-only here.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.admin_actions import run_each
from core.admin_display import month_label
from core.admin_tenancy import CityScopedAdmin
from core.errors import DomainError
from core.photos import admin_picture
from core.tenancy import city_filter, sees_all_cities

from . import services
from .forms import PointsAdjustForm
from .messages import CANCELLED_BY_CENTRE
from .models import Award, Benefit, Honour, LedgerEntry, PointsAccount, Redemption


class ReadOnlyAdmin(CityScopedAdmin):
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
        "reason_shown",
        "expires_at",
    )
    list_filter = ("kind", "created_at")
    search_fields = ("=rider__rider_number", "rider__name", "=award__report__public_id")
    list_select_related = ("rider", "award__report", "redemption")
    date_hierarchy = "created_at"
    show_full_result_count = False
    # The reason as one line, the portal's in the admin's language, then a person's words.
    exclude = ("reason_kind", "reason")
    readonly_fields = ("reason_shown",)

    @admin.display(description=gettext_lazy("reason"))
    def reason_shown(self, entry: LedgerEntry) -> str:
        # The portal's reason in the admin's language, then what a person typed.
        return entry.reason_text

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
        # The admin's city's riders only (issue 19): another city's rider number is unknown.
        form.fields["rider"].queryset = city_filter(
            form.fields["rider"].queryset, request.user, "district__city"
        )
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
            "city",
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
class BenefitAdmin(CityScopedAdmin):
    """A city's admin keeps the city's benefits and sees the national ones (no city), which only
    national admins change (issue 19)."""

    form = BenefitAdminForm
    list_display = (
        "name",
        "city",
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
    list_select_related = ("city",)

    def get_queryset(self, request):
        rows = admin.ModelAdmin.get_queryset(self, request)
        if sees_all_cities(request.user):
            return rows
        return rows.filter(Q(city_id=request.user.city_id) | Q(city__isnull=True))

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.city_id is None and not sees_all_cities(request.user):
            return False  # the national catalogue is the national admins'
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.city_id is None and not sees_all_cities(request.user):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        if not sees_all_cities(request.user):
            obj.city_id = request.user.city_id  # a city's admin adds to their city only
        super().save_model(request, obj, form, change)


@admin.register(Redemption)
class RedemptionAdmin(CityScopedAdmin):
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
                redemption=r, by=request.user, reason_kind=CANCELLED_BY_CENTRE
            ),
            ngettext("%(count)d code cancelled.", "%(count)d codes cancelled.", queryset.count()),
        )


@admin.register(Honour)
class HonourAdmin(CityScopedAdmin):
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
        "month_label",
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

    @admin.display(description=gettext_lazy("month"))
    def month_label(self, honour: Honour) -> str | None:
        return month_label(honour.month)

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
