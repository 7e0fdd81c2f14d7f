"""Responses several apps send alike: a stored JPEG (or PDF), and a CSV download."""

import csv
from collections.abc import Iterable

from django.http import FileResponse, Http404, StreamingHttpResponse


def file_response(field, *, public: bool, max_age: int, content_type: str = "image/jpeg"):
    """Serve a stored file; an empty field is a 404. `public`: cacheable by proxies (menus,
    catalogues, the honour roll); otherwise only by the browser of the person allowed."""
    if not field:
        raise Http404
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["Cache-Control"] = f"{'public' if public else 'private'}, max-age={max_age}"
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_download(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    """Stream a CSV for spreadsheets and payment systems: UTF-8 with a BOM (so spreadsheet
    programs read Chinese names right), one row at a time however long the file."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
