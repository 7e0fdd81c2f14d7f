"""The project's 404 handler (api/handlers.py): the API's JSON shape under /api/ only."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_unknown_api_url_answers_in_the_api_error_shape(client):
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_page_elsewhere_is_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
