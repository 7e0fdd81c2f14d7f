"""Apartment managers' admin: their apartments only (centre admins all of their city's,
national admins every city's: core/admin_tenancy.py). Rooms and beds,
the waiting list, offers, check-in/out, inspections, the occupancy dashboard and rent roll.

Workflow steps call apartments.services, exactly as the rider pages do.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.admin_actions import run_each
from core.admin_tenancy import CityScopedAdmin, CityScopedInline
from core.errors import DomainError
from core.models import User
from core.responses import csv_download
from core.tenancy import city_filter

from . import selectors, services
from .forms import InspectionForm, RentRollForm
from .models import (
    Apartment,
    Application,
    Bed,
    ChecklistItem,
    Facility,
    Inspection,
    InspectionResult,
    Room,
    RoomType,
    Tenancy,
)


class ManagedMixin:
    """Scope every list, form choice and object to the apartments the user manages."""

    apartment_path = "apartment"

    def managed(self, request):
        return selectors.apartments_managed_by(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.apartment_path is None:
            return queryset.filter(pk__in=self.managed(request))
        return queryset.filter(**{f"{self.apartment_path}__in": self.managed(request)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Apartment:
            kwargs["queryset"] = self.managed(request)
        elif db_field.related_model is Room:
            kwargs["queryset"] = Room.objects.filter(apartment__in=self.managed(request))
        elif db_field.related_model is RoomType:
            kwargs["queryset"] = RoomType.objects.filter(apartment__in=self.managed(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_application_permission(self, request) -> bool:
        """For actions on apartments and beds that offer beds (they change applications):
        `@admin.action(permissions=["change_application"])`, Django's own check."""
        return request.user.has_perm("apartments.change_application")


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "code", "sort_order")
    search_fields = ("name", "name_en", "code")


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "code", "sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "name_en", "code")


class RoomTypeInline(CityScopedInline, admin.TabularInline):
    model = RoomType
    extra = 0
    fields = ("name", "name_en", "monthly_rent")


class InspectionOverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("inspection")
    parameter_name = "inspection"

    def lookups(self, request, model_admin):
        return [("overdue", gettext_lazy("Overdue")), ("failed", gettext_lazy("Last one failed"))]

    def queryset(self, request, queryset):
        due = selectors.inspection_due_before()
        if self.value() == "overdue":
            recent = Inspection.objects.filter(inspected_on__gte=due).values("apartment")
            return queryset.filter(status=Apartment.Status.OPERATING).exclude(pk__in=recent)
        if self.value() == "failed":
            return queryset.filter(pk__in=selectors.apartments_last_inspection_failed())
        return queryset


@admin.register(Apartment)
class ApartmentAdmin(ManagedMixin, CityScopedAdmin):
    apartment_path = None
    list_display = (
        "name",
        "district",
        "status",
        "bed_count",
        "free_count",
        "waiting_count",
        "last_inspection",
    )
    list_filter = ("status", "district", "facilities", InspectionOverdueFilter)
    search_fields = ("name", "name_en", "address")
    list_select_related = ("district",)
    filter_horizontal = ("facilities", "managers")
    inlines = [RoomTypeInline]
    actions = ["fill_free_beds"]
    fields = (
        "name",
        "name_en",
        "district",
        "address",
        ("latitude", "longitude"),
        "floor_area_m2",
        "status",
        "facilities",
        "origin",
        "photo",
        "managers",
    )

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(last_inspected=Max("inspections__inspected_on"))
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "managers":
            # Managers are staff of the apartment's city (national admins pick from all).
            kwargs["queryset"] = city_filter(
                User.objects.filter(is_staff=True), request.user, lookup="city"
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changelist_instance(self, request):
        # Counts for the page's apartments by the same grouped queries as the rider list.
        changelist = super().get_changelist_instance(request)
        counts = selectors.bed_counts([a.pk for a in changelist.result_list])
        for apartment in changelist.result_list:
            apartment.counts = counts[apartment.pk]
        return changelist

    @admin.display(description=gettext_lazy("beds"))
    def bed_count(self, apartment):
        return apartment.counts.beds

    @admin.display(description=gettext_lazy("free"))
    def free_count(self, apartment):
        return apartment.counts.free

    @admin.display(description=gettext_lazy("waiting"))
    def waiting_count(self, apartment):
        return apartment.counts.waiting

    @admin.display(description=gettext_lazy("last inspection"), ordering="last_inspected")
    def last_inspection(self, apartment):
        if apartment.last_inspected is None:
            return format_html('<span class="overdue">{}</span>', _("never"))
        due = selectors.inspection_due_before()
        if apartment.last_inspected < due:
            return format_html(
                '<span class="overdue">{} ({})</span>',
                apartment.last_inspected,
                _("overdue"),
            )
        return apartment.last_inspected

    @admin.action(
        description=gettext_lazy("Fill all free beds from the waiting list"),
        permissions=["change_application"],
    )
    def fill_free_beds(self, request, queryset) -> None:
        offered = 0
        for apartment in queryset:
            try:
                offered += len(services.beds_fill(apartment=apartment, by=request.user))
            except DomainError as error:
                self.message_user(request, f"{apartment}: {error.message}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d bed offered.", "%(count)d beds offered.", offered)
            % {"count": offered},
            messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path(
                "occupancy/",
                self.admin_site.admin_view(self.occupancy_view),
                name="apartments_apartment_occupancy",
            ),
            path(
                "rent-roll/",
                self.admin_site.admin_view(self.rent_roll_view),
                name="apartments_apartment_rent_roll",
            ),
            path(
                "<int:pk>/inspect/",
                self.admin_site.admin_view(self.inspect_view),
                name="apartments_apartment_inspect",
            ),
            *super().get_urls(),
        ]

    def occupancy_view(self, request):
        """Per apartment: beds, occupied, offered, free, waiting, average wait, inspection."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rows = selectors.occupancy_dashboard(apartments=self.managed(request))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Occupancy"),
            "rows": rows,
            "opts": self.model._meta,
        }
        return render(request, "admin/apartments/apartment/occupancy.html", context)

    def rent_roll_view(self, request):
        """CSV of the rent due per tenancy for a month, for the managed apartments."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = RentRollForm(request.GET or None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Rent roll"),
                "form": form,
                "opts": self.model._meta,
            }
            return render(request, "admin/apartments/apartment/rent_roll.html", context)
        month = form.cleaned_data["month"]
        lines = selectors.rent_roll(month=month, apartments=self.managed(request))
        return csv_download(
            f"rent-roll-{month:%Y-%m}.csv",
            [
                "apartment",
                "room",
                "bed",
                "rider_number",
                "rider_name",
                "monthly_rent",
                "days",
                "amount_yuan",
            ],
            (
                [
                    line.apartment,
                    line.room,
                    line.bed,
                    line.rider_number,
                    line.rider_name,
                    f"{line.monthly_rent:.2f}",
                    line.days,
                    f"{line.amount:.2f}",
                ]
                for line in lines
            ),
        )

    def inspect_view(self, request, pk: int):
        """Record a standard inspection of a managed apartment, item by item."""
        apartment = get_object_or_404(self.managed(request), pk=pk)
        if not request.user.has_perm("apartments.add_inspection"):
            raise PermissionDenied
        form = InspectionForm(
            request.POST or None,
            items=ChecklistItem.objects.filter(is_active=True),
            initial={"inspected_on": timezone.localdate()},
        )
        if request.method == "POST" and form.is_valid():
            try:
                inspection = services.inspection_record(
                    apartment=apartment,
                    inspector=request.user,
                    inspected_on=form.cleaned_data["inspected_on"],
                    results=form.results(),
                    notes=form.cleaned_data["notes"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    _("Inspection recorded: passed.")
                    if inspection.passed
                    else _("Inspection recorded: not passed."),
                    messages.SUCCESS if inspection.passed else messages.WARNING,
                )
                return HttpResponseRedirect(reverse("admin:apartments_inspection_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Inspect %(apartment)s") % {"apartment": apartment},
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/apartments/apartment/inspect.html", context)


class BedInline(CityScopedInline, admin.TabularInline):
    model = Bed
    extra = 0
    fields = ("label", "is_active", "mattress_issued_on")


@admin.register(Room)
class RoomAdmin(ManagedMixin, CityScopedAdmin):
    list_display = ("__str__", "floor", "room_type", "gender")
    list_filter = (("apartment", admin.RelatedOnlyFieldListFilter), "floor", "gender")
    search_fields = ("number", "apartment__name")
    list_select_related = ("apartment", "room_type")
    inlines = [BedInline]

    def save_formset(self, request, form, formset, change):
        # Beds carry their apartment (denormalised) from the room.
        for bed in formset.save(commit=False):
            bed.room = form.instance
            bed.save()
        for bed in formset.deleted_objects:
            bed.delete()


class BedStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("free", gettext_lazy("Free")),
            ("occupied", gettext_lazy("Occupied")),
            ("offered", gettext_lazy("Offered")),
            ("no_mattress", gettext_lazy("No mattress issued")),
        ]

    def queryset(self, request, queryset):
        occupied = selectors.bed_is_occupied()
        offered = selectors.bed_is_offered()
        if self.value() == "free":
            return queryset.filter(is_active=True).exclude(occupied).exclude(offered)
        if self.value() == "occupied":
            return queryset.filter(occupied)
        if self.value() == "offered":
            return queryset.filter(offered)
        if self.value() == "no_mattress":
            return queryset.filter(mattress_issued_on__isnull=True)
        return queryset


@admin.register(Bed)
class BedAdmin(ManagedMixin, CityScopedAdmin):
    list_display = ("__str__", "apartment", "is_active", "mattress_issued_on")
    list_filter = (BedStateFilter, ("apartment", admin.RelatedOnlyFieldListFilter), "is_active")
    search_fields = ("label", "room__number", "apartment__name")
    list_select_related = ("room__apartment", "apartment")
    fields = ("room", "label", "is_active", "mattress_issued_on")
    actions = ["offer_to_next", "issue_mattress"]
    show_full_result_count = False

    @admin.action(
        description=gettext_lazy("Offer to the next rider in line"),
        permissions=["change_application"],
    )
    def offer_to_next(self, request, queryset) -> None:
        offered = []

        def offer(bed):
            application = services.bed_offer(bed=bed, by=request.user)
            if application is None:
                raise DomainError(_("Nobody in line can take this bed."))
            offered.append(application)

        run_each(self, request, queryset, offer, _("%(count)d beds offered."))

    @admin.action(
        description=gettext_lazy("Record a new mattress issued today"), permissions=["change"]
    )
    def issue_mattress(self, request, queryset) -> None:
        count = services.mattress_issue(beds=queryset, on=timezone.localdate())
        self.message_user(
            request, _("%(count)d mattresses recorded.") % {"count": count}, messages.SUCCESS
        )


@admin.register(Application)
class ApplicationAdmin(ManagedMixin, CityScopedAdmin):
    """The waiting list. Applications come from riders; managers offer, riders answer."""

    apartment_path = "apartments"
    list_display = (
        "id",
        "rider",
        "preferred",
        "desired_move_in",
        "status",
        "offered_bed",
        "offer_expires_at",
        "created_at",
    )
    list_filter = (
        "status",
        ("apartments", admin.RelatedOnlyFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("=rider__rider_number", "rider__name")
    list_select_related = ("rider", "offered_bed__room__apartment")
    readonly_fields = (
        "rider",
        "desired_move_in",
        "status",
        "offered_bed",
        "offered_at",
        "offer_expires_at",
        "offered_by",
        "closed_at",
        "created_at",
    )
    fields = readonly_fields
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).distinct().prefetch_related("apartments")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("preferred apartments"))
    def preferred(self, application) -> str:
        return ", ".join(str(a) for a in application.apartments.all())


@admin.register(Tenancy)
class TenancyAdmin(ManagedMixin, CityScopedAdmin):
    apartment_path = "bed__apartment"
    list_display = (
        "bed",
        "rider",
        "monthly_rent",
        "starts_on",
        "checked_in_at",
        "checked_out_at",
        "ended_on",
    )
    list_filter = (
        ("ended_on", admin.EmptyFieldListFilter),
        ("bed__apartment", admin.RelatedOnlyFieldListFilter),
        ("starts_on", admin.DateFieldListFilter),
    )
    search_fields = ("=rider__rider_number", "rider__name", "bed__room__number")
    list_select_related = ("bed__room__apartment", "rider")
    readonly_fields = (
        "bed",
        "rider",
        "application",
        "monthly_rent",
        "starts_on",
        "ended_on",
        "checked_in_at",
        "checked_out_at",
    )
    fields = readonly_fields
    actions = ["check_in", "check_out"]

    def has_add_permission(self, request) -> bool:
        return False  # a tenancy starts when a rider accepts an offer

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Check in"), permissions=["change"])
    def check_in(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda t: services.tenancy_check_in(tenancy=t, by=request.user),
            _("%(count)d riders checked in."),
        )

    @admin.action(description=gettext_lazy("Check out (frees the bed)"), permissions=["change"])
    def check_out(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset,
            lambda t: services.tenancy_check_out(tenancy=t, by=request.user),
            _("%(count)d riders checked out."),
        )


class InspectionResultInline(CityScopedInline, admin.TabularInline):
    model = InspectionResult
    extra = 0
    fields = ("item", "passed", "note")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Inspection)
class InspectionAdmin(ManagedMixin, CityScopedAdmin):
    list_display = ("apartment", "inspected_on", "inspector", "passed")
    list_filter = (
        "passed",
        ("apartment", admin.RelatedOnlyFieldListFilter),
        ("inspected_on", admin.DateFieldListFilter),
    )
    search_fields = ("apartment__name", "notes")
    list_select_related = ("apartment", "inspector")
    readonly_fields = ("apartment", "inspected_on", "inspector", "passed")
    fields = (*readonly_fields, "notes")
    inlines = [InspectionResultInline]

    def has_add_permission(self, request) -> bool:
        return False  # recorded through Apartment → Inspect, item by item

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.inspection_refresh(inspection=form.instance)
