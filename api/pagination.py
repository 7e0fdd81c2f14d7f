"""Keyset pagination on several ordering fields (the department API's queue).

DRF's CursorPagination positions on the first ordering field only and steps over ties with an
offset, which it caps: with the queue sorted by (priority, due_at, id) most rows tie on the
priority, so deep pages would be big OFFSETs or refused. Here the cursor holds the last row's
value of every ordering field, and the next page is the rows after it in that order — one
index range (report_department_queue_idx), however deep the page.

The cursor is signed (django.core.signing): opaque to clients, and a tampered or foreign
cursor is a 404 "Invalid cursor", as with DRF's own cursors. Fields are ascending; a
nullable field sorts its NULLs last, as PostgreSQL's indexes do by default.
"""

from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import F, Q, QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

CURSOR_SALT = "api.keyset-cursor"


class KeysetCursor(CursorPagination):
    """Subclasses set `ordering` (ascending field names, the last one unique, e.g. "id")."""

    ordering: tuple[str, ...] = ("id",)

    def paginate_queryset(self, queryset, request, view=None, *, fetch=None) -> list[Any] | None:
        """`queryset`, or a list of disjoint querysets of one model (parts of the scope, each
        served by its own index): each is limited to the page on its own, then merged.
        `fetch(position, reverse, limit)`, when given, reads the rows instead (the department
        list's prepared query, core/prepared.py) from the same page_query."""
        parts: list[QuerySet] = queryset if isinstance(queryset, list) else [queryset]
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.model = parts[0].model
        position, reverse = self._decode(request.query_params.get(self.cursor_query_param))
        limit = self.page_size + 1
        if fetch is not None:
            rows = fetch(position, reverse, limit)
        else:
            page = self.page_query(parts, position, reverse, limit)
            rows = list(page) if page is not None else self._merge(parts, position, reverse, limit)
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if reverse:
            rows.reverse()
        self._next = self._previous = None
        if rows:
            if more or reverse:
                self._next = self._encode(self._position_of(rows[-1]), reverse=False)
            if (more and reverse) or (position is not None and not reverse):
                self._previous = self._encode(self._position_of(rows[0]), reverse=True)
        return rows

    def page_query(
        self, parts: list[QuerySet], position: list[Any] | None, reverse: bool, limit: int
    ) -> QuerySet | None:
        """The `limit` rows after `position` as one statement; None where the database cannot
        order and limit the parts of a UNION (SQLite): _merge then reads them one by one."""
        if position is not None:
            beyond = self._beyond(position, before=reverse)
            parts = [part.filter(beyond) for part in parts]
        order = self._order(reverse)
        if len(parts) == 1:
            return parts[0].order_by(*order)[:limit]
        if not connection.features.supports_slicing_ordering_in_compound:
            return None
        # (part 1 … LIMIT n) UNION ALL (part 2 … LIMIT n) ORDER BY … LIMIT n.
        limited = [part.order_by(*order)[:limit] for part in parts]
        return limited[0].union(*limited[1:], all=True).order_by(*order)[:limit]

    def _merge(
        self, parts: list[QuerySet], position: list[Any] | None, reverse: bool, limit: int
    ) -> list[Any]:
        if position is not None:
            beyond = self._beyond(position, before=reverse)
            parts = [part.filter(beyond) for part in parts]
        order = self._order(reverse)
        rows = [row for part in parts for row in part.order_by(*order)[:limit]]
        for name, direction in reversed(list(zip(self.ordering, order, strict=True))):
            descending = str(direction).startswith("-") or getattr(direction, "descending", False)
            # NULLs last ascending, first descending: as the SQL order (_order).
            rows.sort(
                key=lambda row, name=name: (self._value(row, name) is None, self._value(row, name)),
                reverse=descending,
            )
        return rows[:limit]

    def get_next_link(self) -> str | None:
        return self._next

    def get_previous_link(self) -> str | None:
        return self._previous

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self._next, "previous": self._previous, "results": data})

    # --- the order and the position ---------------------------------------------------------

    def _nullable(self, name: str) -> bool:
        return bool(self.model._meta.get_field(name).null)

    def _order(self, reverse: bool) -> list[Any]:
        order = []
        for name in self.ordering:
            if not self._nullable(name):
                order.append(f"-{name}" if reverse else name)
            elif reverse:
                order.append(F(name).desc(nulls_first=True))
            else:
                order.append(F(name).asc(nulls_last=True))
        return order

    def _beyond(self, position: list[Any], *, before: bool) -> Q:
        """The rows after `position` in the order (or before it), NULLs last."""
        condition = Q(pk__in=[])
        equal = Q()
        for name, value in zip(self.ordering, position, strict=True):
            if before:
                step = (
                    Q(**{f"{name}__isnull": False})
                    if value is None
                    else Q(**{f"{name}__lt": value})
                )
            elif value is None:
                step = None  # nothing sorts after NULL
            else:
                step = Q(**{f"{name}__gt": value})
                if self._nullable(name):
                    step |= Q(**{f"{name}__isnull": True})
            if step is not None:
                condition |= equal & step
            equal &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
        first, value = self.ordering[0], position[0]
        if value is not None and not self._nullable(first):
            # Said again on its own, so the database starts its index range there.
            condition &= Q(**{f"{first}__lte" if before else f"{first}__gte": value})
        return condition

    @staticmethod
    def _value(row: Any, name: str) -> Any:
        # A model instance, or a row of .values() (the department list's).
        return row[name] if isinstance(row, dict) else getattr(row, name)

    def _position_of(self, row: Any) -> list[Any]:
        return [self._value(row, name) for name in self.ordering]

    def _encode(self, position: list[Any], *, reverse: bool) -> str:
        values = [value.isoformat() if hasattr(value, "isoformat") else value for value in position]
        token = signing.dumps({"v": values, "r": int(reverse)}, salt=CURSOR_SALT, compress=True)
        url = remove_query_param(self.base_url, self.cursor_query_param)
        return replace_query_param(url, self.cursor_query_param, token)

    def _decode(self, token: str | None) -> tuple[list[Any] | None, bool]:
        if token is None:
            return None, False
        try:
            data = signing.loads(token, salt=CURSOR_SALT)
            values, reverse = data["v"], data["r"]
            if not isinstance(values, list) or len(values) != len(self.ordering):
                raise ValueError
            position = [
                None if value is None else self.model._meta.get_field(name).to_python(value)
                for name, value in zip(self.ordering, values, strict=True)
            ]
        except (signing.BadSignature, KeyError, TypeError, ValueError, DjangoValidationError):
            raise NotFound(self.invalid_cursor_message) from None
        if any(
            value is None and not self._nullable(name)
            for name, value in zip(self.ordering, position, strict=True)
        ):
            raise NotFound(self.invalid_cursor_message)
        return position, bool(reverse)
