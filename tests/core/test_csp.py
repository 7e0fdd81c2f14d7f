"""Content-Security-Policy on every page (django-csp), no inline script or style in our templates,
and uploaded files served so that they can never run as a page of ours."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.responses import content_disposition
from subsidies import services as subsidy_services
from subsidies.models import Claim, InsuranceType
from tests.factories import (
    RiderFactory,
    StaffFactory,
    apartment_with_beds,
    jpeg_bytes,
    merchant,
)

ROOT = Path(settings.BASE_DIR)

RIDER_PAGES = [
    "portal:home",
    "portal:services",
    "reports:new",
    "reports:list",
    "portal:me",
    "rewards:points",
    "rewards:benefits",
    "rewards:redemptions",
    "rewards:honours",
    "apartments:list",
    "apartments:mine",
    "canteen:list",
    "canteen:orders",
    "merchants:nearest",
    "subsidies:list",
    "subsidies:new",
    "growth:courses",
    "growth:mine",
    "growth:check",
    "volunteering:teams",
]
STAFF_PAGES = [
    "rewards:voucher_counter",
    "admin:index",
    "admin:governance_report_changelist",
    "admin:governance_report_dashboard",
    "admin:apartments_apartment_changelist",
    "admin:apartments_apartment_add",
    "admin:apartments_apartment_occupancy",
    "admin:canteen_canteen_settlement",
    "admin:riders_rider_changelist",
    "admin:rewards_ledgerentry_changelist",
    "admin:subsidies_claim_changelist",
    "admin:django_celery_beat_periodictask_add",
]


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def assert_page_policy(response) -> None:
    """The site policy, and every nonce in the page is the one the header allows."""
    path = response.request["PATH_INFO"]
    assert response.status_code == 200, path
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"][0] == "'self'" and directives["style-src"][0] == "'self'"
    assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["form-action"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, path
    nonces = set(re.findall(r'nonce="([^"]*)"', response.content.decode()))
    if nonces:
        (nonce,) = nonces  # one nonce per response
        assert f"'nonce-{nonce}'" in directives["script-src"], path
        assert f"'nonce-{nonce}'" in directives["style-src"], path


@pytest.fixture
def staff(client):
    """Staff allowed everything but not a superuser and in no two-factor role, so the pages
    themselves are reached (two-factor is tests/core/test_staff_sign_in.py's concern)."""
    user = StaffFactory()
    user.user_permissions.set(Permission.objects.all())
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_every_rider_page_sends_the_policy(client):
    client.force_login(RiderFactory().user)
    for name in RIDER_PAGES:
        assert_page_policy(client.get(reverse(name)))
    client.logout()
    assert_page_policy(client.get(reverse("riders:sign_in")))


@pytest.mark.django_db
def test_every_staff_page_and_the_api_docs_send_the_policy(client, staff):
    for name in STAFF_PAGES:
        assert_page_policy(client.get(reverse(name)))
    docs = client.get(reverse("api:docs"))
    assert_page_policy(docs)
    # Swagger UI's own inline style and start-up script carry the nonce, nothing is exempted.
    assert docs.content.decode().count('nonce="') == 2


@pytest.mark.django_db
def test_the_admin_list_style_block_carries_the_nonce(client, staff, monkeypatch):
    """Django's change list writes an inline <style> when the action bar is off."""
    from django.contrib import admin

    from rewards.models import Award

    award_admin = admin.site._registry[Award]
    monkeypatch.setattr(award_admin, "actions_on_top", False)
    monkeypatch.setattr(award_admin, "actions_on_bottom", False)
    response = client.get(reverse("admin:rewards_award_changelist"))
    assert '<style nonce="' in response.content.decode()
    assert_page_policy(response)


@pytest.mark.django_db
def test_a_nonce_is_fresh_for_every_response(client, staff):
    first, second = (client.get(reverse("api:docs")) for _ in range(2))
    assert policy(first)["script-src"] != policy(second)["script-src"]


@pytest.mark.django_db
def test_the_maps_need_no_inline_style(client, settings):
    """The pins are placed by Leaflet in the browser (static/js/rider-map.js), from data-*
    attributes: no style attribute and no inline style block, not even a nonce'd one."""
    client.force_login(RiderFactory().user)
    merchant(lat="36.160500", open_24h=True)
    settings.MAP_TILE_URL = "https://tiles.example.cn/{z}/{x}/{y}.png"
    response = client.get(
        reverse("merchants:nearest"), {"service": "toilet", "lat": "36.16", "lng": "120.43"}
    )
    page = response.content.decode()
    assert "data-rider-map" in page and 'data-lat="36.160500"' in page
    assert "style=" not in page and "<style" not in page
    assert_page_policy(response)


def test_the_tile_server_host_is_allowed_for_images():
    from riders_portal.settings import _tile_origin

    assert _tile_origin("https://tiles.example.cn/{z}/{x}/{y}.png") == "https://tiles.example.cn"
    assert _tile_origin("https://{s}.tiles.example.cn:8443/{z}/{x}/{y}.png") == (
        "https://*.tiles.example.cn:8443"
    )
    assert _tile_origin("") is None and _tile_origin("javascript:alert(1)") is None


# --- Templates: no inline script or style, no event handler attributes ----------------------
TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
COMMENTS = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
CHECKS = [
    # <script> with neither src= nor a nonce nor a JSON type (json_script's output is data).
    (
        re.compile(r"<script\b(?![^>]*\b(?:src|nonce)=)(?![^>]*application/(?:ld\+)?json)[^>]*>"),
        "inline <script> without a nonce",
    ),
    (re.compile(r"<style\b(?![^>]*\bnonce=)[^>]*>"), "inline <style> without a nonce"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…= event handler attribute"),
    (re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I), "javascript: URL"),
]


def template_problems(text: str) -> list[str]:
    text = COMMENTS.sub("", text)
    return [message for pattern, message in CHECKS if pattern.search(text)]


def test_no_template_has_inline_script_style_or_handlers():
    problems = []
    for directory in TEMPLATE_DIRS:
        for path in sorted(directory.rglob("*.html")):
            problems += [
                f"{path.relative_to(ROOT)}: {m}" for m in template_problems(path.read_text())
            ]
    assert not problems, "\n".join(problems)


def test_the_template_lint_catches_what_it_should():
    bad = [
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        '<p style="color:red">',
        '<button onclick="go()">',
        "<body onload=go()>",
        '<a href="javascript:go()">',
    ]
    good = [
        '<script src="/static/js/x.js" defer></script>',
        '<script nonce="{{ request.csp_nonce }}">go()</script>',
        '<style nonce="{{ request.csp_nonce }}">p{}</style>',
        '<script id="data" type="application/json">{}</script>',
        "{% comment %}an inline <style> explained{% endcomment %}",
        '<p class="onward" data-online="1">',
    ]
    assert all(template_problems(text) for text in bad)
    assert not any(template_problems(text) for text in good)


# --- Uploaded files -------------------------------------------------------------------------
def assert_sandboxed(response, *, content_type: str, disposition: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    # Set by file_response and kept by django-csp's middleware instead of the page policy.
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith(f"{disposition}; filename=")
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def claim_with_proof(rider, proof) -> Claim:
    return subsidy_services.claim_file(
        rider=rider,
        month=last_month(),
        amounts={InsuranceType.objects.get(code="pension"): Decimal("520.00")},
        proof=proof,
    )


def one_page_pdf() -> bytes:
    import io

    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_pdf_proof_is_downloaded_never_shown_inline(client):
    rider = RiderFactory()
    claim = claim_with_proof(rider, SimpleUploadedFile("收据.pdf", one_page_pdf()))
    url = reverse("subsidies:proof", args=[claim.pk])
    client.force_login(rider.user)
    response = client.get(url)
    assert_sandboxed(response, content_type="application/pdf", disposition="attachment")
    assert response["Content-Disposition"].split(";")[1].strip().endswith('.pdf"')
    assert "private" in response["Cache-Control"]
    # Another rider learns nothing, not even that the file exists.
    client.force_login(RiderFactory().user)
    missing = client.get(url)
    assert missing.status_code == 404 and "Content-Disposition" not in missing


@pytest.mark.django_db
def test_a_photo_proof_is_an_inline_jpeg(client):
    rider = RiderFactory()
    claim = claim_with_proof(rider, SimpleUploadedFile("photo.png", jpeg_bytes(fmt="PNG")))
    client.force_login(rider.user)
    response = client.get(reverse("subsidies:proof", args=[claim.pk]))
    assert_sandboxed(response, content_type="image/jpeg", disposition="inline")


@pytest.mark.django_db
def test_a_stored_file_that_is_not_what_it_claims_is_opaque_bytes(client):
    """Should a page of HTML ever sit where a photo belongs, it is downloaded, not rendered."""
    apartment = apartment_with_beds()
    apartment.photo.save("x.jpg", ContentFile(b"<html><script>alert(1)</script>"), save=True)
    response = client.get(reverse("apartments:photo", args=[apartment.pk]))
    assert_sandboxed(response, content_type="application/octet-stream", disposition="attachment")
    assert response["Content-Disposition"].split(";")[1].strip().endswith('.bin"')


@pytest.mark.django_db
def test_public_pictures_are_sandboxed_too(client):
    apartment = apartment_with_beds()
    apartment.photo.save("x.jpg", ContentFile(jpeg_bytes()), save=True)
    response = client.get(reverse("apartments:photo", args=[apartment.pk]))
    assert_sandboxed(response, content_type="image/jpeg", disposition="inline")
    assert "public" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_pdf_where_a_photo_is_expected_is_not_served_as_a_photo(client):
    rider = RiderFactory()
    claim = claim_with_proof(rider, SimpleUploadedFile("r.pdf", one_page_pdf()))
    # A caller that expects a JPEG (the API photo links do) gets opaque bytes instead.
    from core.responses import file_response

    response = file_response(claim.proof, public=False, max_age=60, content_type="image/jpeg")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_the_disposition_filename_is_ascii_safe_with_the_exact_name_in_utf8():
    header = content_disposition("attachment", '收据 "3月".pdf\r\nSet-Cookie: x=1')
    assert header.isascii() and "\r" not in header and "\n" not in header
    fallback = re.search(r'filename="([^"]*)"', header).group(1)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", fallback)
    assert header.endswith(
        "filename*=UTF-8''%E6%94%B6%E6%8D%AE%20%223%E6%9C%88%22.pdf%0D%0ASet-Cookie%3A%20x%3D1"
    )
    assert content_disposition("inline", "照片.jpg").startswith('inline; filename="download.jpg";')
    assert content_disposition("inline", "a b.jpg").startswith('inline; filename="a_b.jpg";')
