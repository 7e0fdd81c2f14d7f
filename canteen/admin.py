"""Canteen operators' admin: their canteens only, in their city (centre admins all of their
city's, national admins every city's): menu with the
subsidy split, orders, the monthly settlement with CSV. The counter page is /staff/counter/N/."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_actions import run_each
from core.admin_tenancy import CityScopedAdmin, CityScopedInline
from core.models import User
from core.photos import admin_picture
from core.responses import csv_download
from core.tenancy import city_filter

from . import selectors, services
from .forms import SettlementForm
from .models import Canteen, MealOrder, SetMeal


class RunByMixin:
    canteen_path = "canteen"

    def run_by(self, request):
        return selectors.canteens_run_by(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.canteen_path is None:
            return queryset.filter(pk__in=self.run_by(request))
        return queryset.filter(**{f"{self.canteen_path}__in": self.run_by(request)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Canteen:
            kwargs["queryset"] = self.run_by(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SetMealInline(CityScopedInline, admin.TabularInline):
    model = SetMeal
    extra = 0
    fields = (
        "name",
        "name_en",
        "list_price",
        "government_part",
        "platform_part",
        "merchant_part",
        "portions_per_day",
        "is_active",
    )


@admin.register(Canteen)
class CanteenAdmin(RunByMixin, CityScopedAdmin):
    canteen_path = None
    list_display = ("name", "operator", "district", "opens_at", "closes_at", "is_active", "links")
    list_filter = ("is_active", "district")
    search_fields = ("name", "name_en", "operator", "address")
    list_select_related = ("district",)
    filter_horizontal = ("staff",)
    inlines = [SetMealInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "staff":
            # A canteen's staff work in its city (national admins pick from all).
            kwargs["queryset"] = city_filter(
                User.objects.filter(is_staff=True), request.user, lookup="city"
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("counter"))
    def links(self, canteen):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("canteen:counter", args=[canteen.pk]),
            _("Pick-up counter"),
        )

    def get_urls(self):
        return [
            path(
                "settlement/",
                self.admin_site.admin_view(self.settlement_view),
                name="canteen_canteen_settlement",
            ),
            *super().get_urls(),
        ]

    def settlement_view(self, request):
        """Monthly settlement of the canteens the user runs; `?format=csv` downloads it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = SettlementForm(request.GET or {"month": timezone.localdate().strftime("%Y-%m")})
        rows = []
        if form.is_valid():
            rows = selectors.settlement(
                canteens=self.run_by(request), month=form.cleaned_data["month"]
            )
            if request.GET.get("format") == "csv":
                return _settlement_csv(rows, form.cleaned_data["month"])
        context = {
            **self.admin_site.each_context(request),
            "title": _("Monthly settlement"),
            "form": form,
            "rows": rows,
            "opts": self.model._meta,
        }
        return render(request, "admin/canteen/canteen/settlement.html", context)


def _settlement_csv(rows, month):
    return csv_download(
        f"canteen-settlement-{month:%Y-%m}.csv",
        [
            "month",
            "canteen",
            "meals_served",
            "subsidised_meals",
            "list_value",
            "government_owes",
            "platform_owes",
            "merchant_gave",
            "riders_paid",
        ],
        (
            [
                f"{month:%Y-%m}",
                row.canteen.name,
                row.meals,
                row.subsidised_meals,
                f"{row.list_value:.2f}",
                f"{row.government:.2f}",
                f"{row.platform:.2f}",
                f"{row.merchant:.2f}",
                f"{row.riders:.2f}",
            ]
            for row in rows
        ),
    )


class SetMealAdminForm(forms.ModelForm):
    class Meta:
        model = SetMeal
        fields = (
            "canteen",
            "name",
            "name_en",
            "description",
            "picture",
            "list_price",
            "government_part",
            "platform_part",
            "merchant_part",
            "portions_per_day",
            "is_active",
        )

    def clean_picture(self):
        return admin_picture(self.cleaned_data.get("picture"))

    def clean(self):
        cleaned = super().clean()
        parts = [cleaned.get(k) for k in ("government_part", "platform_part", "merchant_part")]
        price = cleaned.get("list_price")
        if price is not None and all(p is not None for p in parts) and sum(parts) > price:
            raise forms.ValidationError(
                _("The three subsidy parts add up to more than the list price.")
            )
        return cleaned


@admin.register(SetMeal)
class SetMealAdmin(RunByMixin, CityScopedAdmin):
    form = SetMealAdminForm
    list_display = (
        "name",
        "canteen",
        "list_price",
        "government_part",
        "platform_part",
        "merchant_part",
        "rider_price",
        "portions_per_day",
        "is_active",
    )
    list_filter = ("is_active", ("canteen", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "name_en", "canteen__name")
    list_select_related = ("canteen",)

    @admin.display(description=gettext_lazy("rider pays"))
    def rider_price(self, meal):
        return meal.rider_price


@admin.register(MealOrder)
class MealOrderAdmin(RunByMixin, CityScopedAdmin):
    list_display = (
        "pickup_code",
        "service_date",
        "canteen",
        "set_meal",
        "status",
        "subsidised",
        "rider_price",
        "created_at",
        "collected_at",
    )
    list_filter = (
        "status",
        "subsidised",
        ("canteen", admin.RelatedOnlyFieldListFilter),
        ("service_date", admin.DateFieldListFilter),
    )
    search_fields = ("=pickup_code", "=rider__rider_number")
    list_select_related = ("canteen", "set_meal")
    date_hierarchy = "service_date"
    show_full_result_count = False
    actions = ["mark_ready"]
    readonly_fields = (
        "rider",
        "canteen",
        "set_meal",
        "service_date",
        "pickup_code",
        "status",
        "payment",
        "subsidised",
        "list_price",
        "government_part",
        "platform_part",
        "merchant_part",
        "rider_price",
        "created_at",
        "ready_at",
        "collected_at",
        "collected_by",
    )
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False  # riders order on the portal

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Mark ready for pick-up"), permissions=["change"])
    def mark_ready(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda order: services.meal_order_ready(order=order, by=request.user),
            _("%(count)d orders ready."),
        )
