"""GET /api/v1/stats/: the token's own department's scorecard (考核) for a month or a range.

The figures are governance.scorecard's, the same as the centre's admin page; what each means
is in docs/scorecard.md."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.scorecard import department_scorecard, month_bounds, period_problem


class StatsInput(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        help_text="A month as YYYY-MM (Beijing time). Without month, start and end: this month.",
        error_messages={"invalid": gettext_lazy("Enter a month as YYYY-MM, e.g. 2026-03.")},
    )
    start = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD), with end.")
    end = serializers.DateField(required=False, help_text="Last day (YYYY-MM-DD), with start.")

    def to_internal_value(self, data):
        # A query string's `?start=` is not "no start": DRF would skip it, the schema says a date.
        if blank := {
            name: [_("Give a value or leave the parameter out.")]
            for name in self.fields
            if name in data and not data[name]
        }:
            raise serializers.ValidationError(blank)
        return super().to_internal_value(data)

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if (start or end) and attrs.get("month"):
            raise serializers.ValidationError(_("Give a month, or a start and an end date."))
        if bool(start) != bool(end):
            raise serializers.ValidationError(
                _("Give both the start and the end date, or a month.")
            )
        if start and end and (problem := period_problem(start, end)):
            raise serializers.ValidationError(problem)
        if month := attrs.get("month"):
            year, number = map(int, month.split("-"))
            first, last = month_bounds(dt.date(max(year, 1), number, 1))
            if problem := period_problem(first, last):
                raise serializers.ValidationError({"month": [problem]})
            attrs["period"] = (first, last)
        return attrs

    def period(self) -> tuple[dt.date, dt.date]:
        data = self.validated_data
        if data.get("start"):
            return data["start"], data["end"]
        if data.get("month"):
            return data["period"]
        return month_bounds(timezone.localdate())


class StatsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    received = serializers.IntegerField(help_text="Reports routed to you in the period.")
    responded_in_time = serializers.IntegerField(
        help_text="Of those, acknowledged (or resolved) within the first-response time."
    )
    response_rate = serializers.FloatField(
        allow_null=True, help_text="responded_in_time / received, in %; null when 0 received."
    )
    first_response_hours = serializers.IntegerField()
    closed_by_deadline = serializers.IntegerField()
    closed_by_deadline_rate = serializers.FloatField(allow_null=True)
    reopened = serializers.IntegerField()
    reopen_rate = serializers.FloatField(allow_null=True)
    real_answers = serializers.IntegerField(help_text="Riders' real answers to “is it fixed?”.")
    satisfied_answers = serializers.IntegerField(help_text="满意 or 基本满意.")
    satisfaction_rate = serializers.FloatField(allow_null=True)
    default_accepted = serializers.IntegerField(help_text="Checks accepted by default (默认满意).")
    default_accepted_share = serializers.FloatField(allow_null=True)
    median_hours_to_close = serializers.FloatField(allow_null=True)
    p90_hours_to_close = serializers.FloatField(allow_null=True)
    overdue_now = serializers.IntegerField(help_text="Your open reports past their deadline now.")


class StatsView(APIView):
    """Your department's scorecard: the reports routed to you in a month or a date range."""

    @extend_schema(
        operation_id="stats_retrieve",
        parameters=[StatsInput],
        responses={
            200: OpenApiResponse(
                StatsSerializer,
                examples=[
                    OpenApiExample(
                        "March",
                        {
                            "start": "2026-03-01",
                            "end": "2026-03-31",
                            "received": 4,
                            "responded_in_time": 2,
                            "response_rate": 50.0,
                            "first_response_hours": 2,
                            "closed_by_deadline": 2,
                            "closed_by_deadline_rate": 50.0,
                            "reopened": 2,
                            "reopen_rate": 50.0,
                            "real_answers": 3,
                            "satisfied_answers": 2,
                            "satisfaction_rate": 66.7,
                            "default_accepted": 1,
                            "default_accepted_share": 25.0,
                            "median_hours_to_close": 20.0,
                            "p90_hours_to_close": 28.0,
                            "overdue_now": 2,
                        },
                        response_only=True,
                    )
                ],
            ),
            400: OpenApiResponse(
                description="A bad month or date, the start after the end, or only one of them.",
                examples=[
                    OpenApiExample(
                        "Bad month",
                        {
                            "error": {
                                "code": "invalid",
                                "message": "The request has invalid fields.",
                                "fields": {"month": ["Enter a month as YYYY-MM, e.g. 2026-03."]},
                            }
                        },
                        response_only=True,
                        status_codes=["400"],
                    )
                ],
            ),
        },
    )
    def get(self, request):
        query = StatsInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.period()
        department = request.auth.department
        [row] = department_scorecard(start=start, end=end, department=department)
        data = {
            "start": start,
            "end": end,
            "first_response_hours": settings.SCORECARD_FIRST_RESPONSE_HOURS,
            **{
                name: getattr(row, name)
                for name in StatsSerializer().fields
                if name not in {"start", "end", "first_response_hours"}
            },
        }
        return Response(StatsSerializer(data).data)
