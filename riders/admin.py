import re

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin_actions import run_each
from core.admin_tenancy import CityScopedAdmin, CityScopedInline
from core.audit import PersonalDataViewLogMixin
from core.errors import DomainError
from core.models import City, District
from core.tenancy import city_filter, sees_all_cities

from . import services
from .models import PHONE_PATTERN, CityMove, Rider, SignInCode, SMSLog, SMSOptOut, TierPeriod
from .phones import phone_digests
from .roster import RosterRejected, roster_import

ROSTER_MAX_BYTES = 20 * 1024 * 1024  # 41,000 rows are about 3 MB


class PhoneSearchMixin:
    """Search by an exact mobile number, though numbers are stored encrypted: a term that is a
    number is looked up by its keyed hash (riders/phones.py) at `phone_hash_path`."""

    phone_hash_path = "phone_hash"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if re.fullmatch(PHONE_PATTERN, term):
            results |= queryset.filter(**{f"{self.phone_hash_path}__in": phone_digests(term)})
        return results, may_have_duplicates


class RosterUploadForm(forms.Form):
    roster = forms.FileField(
        label=_("Roster file (CSV, UTF-8)"),
        help_text=_(
            "Header: rider_number,name,phone,district,station,join_date,tier; a city column "
            "(code or name) is optional. Districts are looked up in the city."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    # National admins choose the city of the file (staff of one city import into theirs).
    city = forms.ModelChoiceField(
        label=_("city"),
        queryset=City.objects.all(),
        required=False,
        help_text=_("Empty: each row's city column."),
    )

    def clean_roster(self):
        roster = self.cleaned_data["roster"]
        if roster.size > ROSTER_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        if not roster.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Upload the roster as a .csv file."))
        return roster


class MoveCityForm(forms.Form):
    district = forms.ModelChoiceField(label=_("new district"), queryset=District.objects.none())
    reason = forms.CharField(label=_("reason"), max_length=300)

    def __init__(self, *args, rider: Rider, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The districts of the other active cities (the move's destination is another city).
        self.fields["district"].queryset = (
            District.objects.filter(city__is_active=True)
            .exclude(city=rider.district.city_id)
            .select_related("city")
            .order_by("city__code", "name")
        )
        self.fields["district"].label_from_instance = lambda d: f"{d.city} {d}"


class TierPeriodInline(CityScopedInline, admin.TabularInline):
    model = TierPeriod
    extra = 0
    can_delete = False
    fields = ("tier", "started_on", "ended_on")
    readonly_fields = fields
    ordering = ("-started_on",)

    def has_add_permission(self, request, obj=None) -> bool:
        # Tier changes go through the rider's tier field, which writes the history.
        return False


@admin.register(Rider)
class RiderAdmin(PhoneSearchMixin, PersonalDataViewLogMixin, CityScopedAdmin):
    """The change page shows the phone unmasked and searches find people: both are logged
    (who, which rider, when) in the audit log; the list itself shows masked phones only."""

    list_display = (
        "rider_number",
        "name",
        "masked_phone",
        "district",
        "station",
        "tier",
        "is_active",
        "joined_on",
    )
    list_display_links = ("rider_number", "name")
    list_filter = ("district", "tier", "is_active")
    search_fields = ("=rider_number", "name")  # and the exact phone: PhoneSearchMixin
    search_help_text = _("Rider number or exact phone number, or part of a name.")
    list_select_related = ("district",)
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = ("user", "move_city_link", "city_moves", "created_at", "updated_at")
    fields = (
        "rider_number",
        "name",
        "phone",
        "district",
        "station",
        "gender",
        "joined_on",
        "tier",
        "is_active",
        "user",
        "move_city_link",
        "city_moves",
        "created_at",
        "updated_at",
    )
    inlines = [TierPeriodInline]
    actions = ["activate", "deactivate"]

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_roster_view),
                name="riders_rider_import",
            ),
            path(
                "<int:pk>/move-city/",
                self.admin_site.admin_view(self.move_city_view),
                name="riders_rider_move_city",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("city"))
    def move_city_link(self, rider: Rider) -> str:
        if rider.pk is None:
            return "-"
        return format_html(
            '{} · <a href="{}">{}</a>',
            rider.district.city,
            reverse("admin:riders_rider_move_city", args=[rider.pk]),
            gettext("Move to another city"),
        )

    @admin.display(description=_("moves to another city"))
    def city_moves(self, rider: Rider) -> str:
        """The rider's moves, newest first (a read-only list, not an inline: a move goes
        through the form, which checks what ties the rider to their city)."""
        if rider.pk is None:
            return "-"
        moves = CityMove.objects.filter(rider=rider).select_related(
            "from_district__city", "to_district__city", "moved_by"
        )
        if not moves:
            return "-"
        return format_html_join(
            "",
            "<div>{} · {} {} → {} {} · {} · {}</div>",
            (
                (
                    f"{timezone.localtime(move.moved_at):%Y-%m-%d %H:%M}",
                    move.from_district.city,
                    move.from_district,
                    move.to_district.city,
                    move.to_district,
                    move.moved_by,
                    move.reason,
                )
                for move in moves.order_by("-moved_at", "-id")
            ),
        )

    def move_city_view(self, request, pk: int):
        """Move a rider to a district of another city (riders/services.py rider_move_city)."""
        rider = get_object_or_404(self.get_queryset(request), pk=pk)  # another city's: 404
        if not self.has_change_permission(request, rider):
            raise PermissionDenied
        form = MoveCityForm(request.POST or None, rider=rider)
        if request.method == "POST" and form.is_valid():
            try:
                services.rider_move_city(
                    rider=rider,
                    district=form.cleaned_data["district"],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    gettext("%(rider)s now rides in %(city)s.")
                    % {"rider": rider, "city": rider.district.city},
                )
                if self.get_queryset(request).filter(pk=rider.pk).exists():
                    return HttpResponseRedirect(
                        reverse("admin:riders_rider_change", args=[rider.pk])
                    )
                return HttpResponseRedirect(reverse("admin:riders_rider_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Move %(rider)s to another city") % {"rider": rider},
            "form": form,
            "rider": rider,
            "opts": self.model._meta,
        }
        return render(request, "admin/riders/rider/move_city.html", context)

    def import_roster_view(self, request):
        """Staff who may add and change riders: upload the platform's roster export."""
        if not (
            request.user.has_perm("riders.add_rider")
            and request.user.has_perm("riders.change_rider")
        ):
            raise PermissionDenied
        form = RosterUploadForm(request.POST or None, request.FILES or None)
        if not sees_all_cities(request.user):
            del form.fields["city"]  # their own city's riders only
        report = None
        if request.method == "POST" and form.is_valid():
            try:
                report = roster_import(
                    data=form.cleaned_data["roster"].read(),
                    city=form.cleaned_data.get("city"),
                    by=request.user,
                )
            except RosterRejected as rejected:
                form.add_error("roster", rejected.message)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import roster"),
            "form": form,
            "report": report,
            "opts": self.model._meta,
        }
        return render(request, "admin/riders/rider/import_roster.html", context)

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, rider: Rider) -> str:
        return rider.masked_phone

    def save_model(self, request, obj: Rider, form, change: bool) -> None:
        if not change:
            created = services.rider_create(
                rider_number=obj.rider_number,
                name=obj.name,
                phone=obj.phone,
                district=obj.district,
                station=obj.station,
                joined_on=obj.joined_on,
                tier=obj.tier,
                is_active=obj.is_active,
            )
            obj.pk, obj.user_id = created.pk, created.user_id
            return
        new_tier = obj.tier
        if "tier" in form.changed_data:
            obj.tier = form.initial["tier"]
        super().save_model(request, obj, form, change)
        if new_tier != obj.tier:
            services.rider_set_tier(rider=obj, tier=new_tier)
            obj.tier = new_tier

    # Both go through the service, so whatever rider_set_active does (and will do) applies here.
    @admin.action(description=_("Activate selected riders"), permissions=["change"])
    def activate(self, request, queryset) -> None:
        self._set_active(request, queryset, is_active=True)

    @admin.action(description=_("Deactivate selected riders"), permissions=["change"])
    def deactivate(self, request, queryset) -> None:
        self._set_active(request, queryset, is_active=False)

    def _set_active(self, request, queryset, *, is_active: bool) -> None:
        riders = list(queryset.exclude(is_active=is_active))
        if is_active:
            success = ngettext(
                "%(count)d rider activated.", "%(count)d riders activated.", len(riders)
            )
        else:
            success = ngettext(
                "%(count)d rider deactivated.", "%(count)d riders deactivated.", len(riders)
            )
        run_each(
            self,
            request,
            riders,
            lambda rider: services.rider_set_active(rider=rider, is_active=is_active),
            success,
        )


@admin.register(SignInCode)
class SignInCodeAdmin(PhoneSearchMixin, admin.ModelAdmin):
    """Read-only, for support: was a code requested, did it expire, how many wrong tries.
    Staff of a city see the codes of their city's riders' phones."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_all_cities(request.user):
            return queryset
        riders = city_filter(Rider.objects.all(), request.user)
        return queryset.filter(phone_hash__in=riders.values("phone_hash"))

    list_display = ("__str__", "created_at", "expires_at", "failed_attempts", "used_at")
    list_filter = ("created_at",)
    search_fields = ("=phone_masked",)  # and the exact phone: PhoneSearchMixin
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SMSLog)
class SMSLogAdmin(CityScopedAdmin):
    """Read-only, for support: was an SMS sent, did the gateway deliver it, why not. Search by
    the masked number as shown (138****5678) or by the gateway's message id; the log holds
    neither full numbers, nor codes, nor texts."""

    list_display = (
        "created_at",
        "kind",
        "phone_masked",
        "gateway",
        "status",
        "error_code",
        "attempts",
        "message_id",
        "sent_at",
        "finished_at",
    )
    list_filter = ("kind", "gateway", "status")
    search_fields = ("=phone_masked", "=message_id")
    date_hierarchy = "created_at"
    exclude = ("payload", "claim_token")
    list_per_page = 100
    show_full_result_count = False  # a count over millions of rows is slow and rarely needed

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SMSOptOut)
class SMSOptOutAdmin(PhoneSearchMixin, CityScopedAdmin):
    """The kinds of SMS riders turned off (Me → SMS messages). Support may turn one off at a
    rider's request (or delete the row to turn it back on); the rider sees it on their page."""

    list_display = ("rider", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("=rider__rider_number",)  # and the exact phone: PhoneSearchMixin
    phone_hash_path = "rider__phone_hash"
    list_select_related = ("rider",)
    autocomplete_fields = ("rider",)
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # add or delete: a row is a fact, "kind X is off for rider Y"
