"""The hall screen and the one JSON answer that keeps it current (docs/hall.md)."""

import math
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from . import selectors
from .models import HallDisplay


def _display(token: str) -> HallDisplay:
    display = selectors.display_for_token(token)
    if display is None:
        raise Http404
    return display


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _pick(row: dict[str, Any], field: str) -> str:
    english = row.get(f"{field}_en") if _english() else ""
    return english or row[field]


def _heat(value: int, most: int) -> int:
    """0 (none) to 4 (the busiest district): the cell's colour class."""
    return math.ceil(4 * value / most) if most and value else 0


def for_reader(data: dict[str, Any]) -> dict[str, Any]:
    """The cached, language-neutral figures in the active language: names, kinds, the time."""
    most = max((d["open"] for d in data["districts"]), default=0)
    generated = parse_datetime(data["generated_at"])
    return {
        "updated": timezone.localtime(generated).strftime("%H:%M") if generated else "",
        "figures": data["figures"],
        "districts": [
            {
                "code": d["code"],
                "name": _pick(d, "name"),
                "open": d["open"],
                "closed": d["closed"],
                "heat": _heat(d["open"], most),
            }
            for d in data["districts"]
        ],
        "ranking": [{**row, "name": _pick(row, "name")} for row in data["ranking"]],
        "honours": [
            {
                "id": h["id"],
                "kind": selectors.honour_kind_label(h["kind"]),
                "name": h["name"],
                "district": _pick(h, "district"),
                "station": h["station"],
                "title": _pick(h, "title"),
                "story": _pick(h, "story"),
                "photo": reverse("rewards:honour_photo", args=[h["id"]]) if h["has_photo"] else "",
                "honoured_on": h["honoured_on"],
            }
            for h in data["honours"]
        ],
    }


def _in_language(display: HallDisplay):
    # The display's own language wins; else the request's (LocaleMiddleware already chose it).
    return translation.override(display.language or translation.get_language())


@require_GET
def screen(request: HttpRequest, token: str) -> HttpResponse:
    """The 1920×1080 page; hall.js then keeps it current from `data`."""
    display = _display(token)
    with _in_language(display):
        response = render(
            request,
            "hall/screen.html",
            {
                "display": display,
                "data": for_reader(selectors.hall_data(city_id=display.city_id)),
                "refresh_seconds": settings.HALL_REFRESH_SECONDS,
                "data_url": reverse("hall:data", args=[token]),
            },
        )
    # The token is the key: it must not leave in a Referer header nor land in a search index.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def data(request: HttpRequest, token: str) -> JsonResponse:
    display = _display(token)
    with _in_language(display):
        response = JsonResponse(
            for_reader(selectors.hall_data(city_id=display.city_id)),
            json_dumps_params={"ensure_ascii": False},
        )
    # Fresh from our cache each time; the browser must not answer from its own.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
