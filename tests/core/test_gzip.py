"""Responses are gzip-compressed when the client accepts it (issue 18): pages, the department
API's and Open311's JSON, with `Vary: Accept-Encoding` and Django's BREACH padding; photos and
static files are left to their own formats and to WhiteNoise (core/compression.py)."""

import gzip
import json

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse

from api.services import token_issue
from governance import workflow
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    apartment_with_beds,
    jpeg_bytes,
)

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def vary(response) -> set[str]:
    return {value.strip().lower() for value in response.get("Vary", "").split(",")}


def assert_gzipped(response) -> bytes:
    assert response.status_code == 200, response.status_code
    assert response["Content-Encoding"] == "gzip"
    assert "accept-encoding" in vary(response)
    body = gzip.decompress(response.content)
    assert int(response["Content-Length"]) == len(response.content) < len(body)
    return body


@pytest.fixture
def rider_client(client):
    client.force_login(RiderFactory().user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page", ["portal:home", "reports:list", "canteen:list", "merchants:nearest"]
)
def test_rider_pages_are_gzipped_when_accepted(rider_client, page):
    body = assert_gzipped(rider_client.get(reverse(page), **GZIP))
    assert body.lstrip().lower().startswith(b"<!doctype html>")


@pytest.mark.django_db
def test_without_accept_encoding_the_page_is_plain_and_still_varies(rider_client):
    for headers in ({}, {"HTTP_ACCEPT_ENCODING": "identity"}, {"HTTP_ACCEPT_ENCODING": "br"}):
        response = rider_client.get(reverse("portal:home"), **headers)
        assert response.status_code == 200
        assert not response.has_header("Content-Encoding")
        assert "accept-encoding" in vary(response)  # a cache must not hand gzip to this client
        assert response.content.lstrip().lower().startswith(b"<!doctype html>")


@pytest.mark.django_db
def test_the_sign_in_page_is_gzipped_for_anonymous_visitors(client):
    assert_gzipped(client.get(reverse("riders:sign_in"), **GZIP))


@pytest.mark.django_db
def test_department_api_json_is_gzipped_and_decodes_to_the_same_rows(client):
    department = DepartmentFactory()
    for _ in range(5):
        workflow.route(ReportFactory(), department=department)
    _token, key = token_issue(label="officer", department=department)
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    plain = client.get("/api/v1/reports/", **auth)
    compressed = client.get("/api/v1/reports/", **auth, **GZIP)
    assert compressed["Content-Type"].startswith("application/json")
    assert json.loads(assert_gzipped(compressed)) == plain.json()


@pytest.mark.django_db
def test_the_api_still_refuses_a_missing_token_compressed_or_not(client):
    response = client.get("/api/v1/reports/", **GZIP)
    assert response.status_code in (401, 403)
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    assert "error" in json.loads(body)


@pytest.mark.django_db
def test_open311_json_is_gzipped(client):
    department = DepartmentFactory()
    for _ in range(5):
        workflow.route(ReportFactory(), department=department)
    body = assert_gzipped(client.get("/open311/v2/requests.json", **GZIP))
    assert len(json.loads(body)) == 5


@pytest.mark.django_db
def test_breach_padding_makes_each_compressed_response_different(client):
    """The same JSON, compressed five times: Django 4.2+ pads each stream with random bytes, so
    the length of a response does not give away a guessed secret (docs/decisions.md)."""
    department = DepartmentFactory()
    for _ in range(5):
        workflow.route(ReportFactory(), department=department)
    bodies = [client.get("/open311/v2/requests.json", **GZIP).content for _ in range(5)]
    assert len({gzip.decompress(body) for body in bodies}) == 1
    assert len(set(bodies)) > 1


@pytest.mark.django_db
def test_photos_are_not_gzipped_again(client):
    apartment = apartment_with_beds()
    apartment.photo.save("x.jpg", ContentFile(jpeg_bytes()), save=True)
    response = client.get(reverse("apartments:photo", args=[apartment.pk]), **GZIP)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert not response.has_header("Content-Encoding")
    assert int(response["Content-Length"]) == len(b"".join(response.streaming_content))


def test_compression_sits_below_whitenoise_and_above_every_body_writer():
    """WhiteNoise answers static files with its own pre-compressed copies before compression
    sees them; everything below may write a body (pages, the 503 page, the lockout page)."""
    order = settings.MIDDLEWARE
    compression = order.index("core.compression.CompressionMiddleware")
    assert order.index("whitenoise.middleware.WhiteNoiseMiddleware") == compression - 1
    assert order[: compression - 1] == ["django.middleware.security.SecurityMiddleware"]
