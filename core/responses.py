"""Responses several apps send alike: a stored JPEG (or PDF), and a CSV download."""

import csv
import os
import re
from collections.abc import Iterable
from urllib.parse import quote

from django.http import FileResponse, Http404, StreamingHttpResponse

# What a stored upload is, from its first bytes rather than its name or what the uploader said.
# Photos are always re-encoded to JPEG (core/photos.py), proofs are a JPEG or a checked PDF.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"%PDF-", "application/pdf", ".pdf"),
)
# Only the re-encoded photos are shown in the browser tab; anything else (a PDF: its viewer runs
# scripts and forms) is downloaded.
_INLINE_TYPES = {"image/jpeg"}


def _sniff(head: bytes) -> tuple[str, str]:
    for signature, content_type, suffix in _SIGNATURES:
        if head.startswith(signature):
            return content_type, suffix
    return "application/octet-stream", ".bin"


def content_disposition(disposition: str, filename: str) -> str:
    """`inline`/`attachment` with an ASCII `filename` every client reads and the exact name as
    RFC 5987 `filename*` (UTF-8), so Chinese names survive and no quote or CR/LF gets through."""
    stem, suffix = os.path.splitext(filename)
    fallback = (re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_") or "download") + re.sub(
        r"[^A-Za-z0-9.]", "", suffix
    )
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(
    field,
    *,
    public: bool,
    max_age: int,
    content_type: str | None = None,
    filename: str | None = None,
):
    """Serve a stored upload; an empty field is a 404. `public`: cacheable by proxies (menus,
    catalogues, the honour roll); otherwise only by the browser of the person allowed.

    The type is taken from the file's own bytes; a file that is not what the caller expects
    (`content_type`) is served as opaque bytes. The response can never run as a page of ours:
    `sandbox` (no script, no same-origin), `nosniff`, and a download unless it is a JPEG photo.
    """
    if not field:
        raise Http404
    handle = field.open("rb")
    head = handle.read(16)
    handle.seek(0)
    sniffed, suffix = _sniff(head)
    if content_type is not None and sniffed != content_type:
        sniffed, suffix = "application/octet-stream", ".bin"
    content_type = sniffed
    name = filename or os.path.basename(field.name) or f"download{suffix}"
    if not name.lower().endswith(suffix):
        name = os.path.splitext(name)[0] + suffix
    response = FileResponse(handle, content_type=content_type)
    disposition = "inline" if content_type in _INLINE_TYPES else "attachment"
    response["Content-Disposition"] = content_disposition(disposition, name)
    response["X-Content-Type-Options"] = "nosniff"
    # Set here, so django-csp's middleware keeps it instead of the page policy.
    response["Content-Security-Policy"] = "sandbox"
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
