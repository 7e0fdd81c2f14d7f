"""The sign-in pages give everyone the service centre's contact (issue 17 item 8): a rider whose
number is not registered gets no code and needs it, and the page must not tell a registered
number from an unknown one (docs/security.md)."""

import re

import pytest
from django.urls import reverse

from tests.factories import RiderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(settings):
    settings.CENTRE_PHONE = "0532-8888 6666"
    settings.CENTRE_WECHAT = "qdqishouzhijia"


def code_page(client, phone: str) -> str:
    response = client.post(reverse("riders:sign_in"), {"phone": phone}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("riders:sign_in_code")
    return response.content.decode()


def without_the_number(page: str, phone: str) -> str:
    # The masked number (138****5678) is the one difference the page may show, and the CSRF token.
    page = page.replace(f"{phone[:3]}****{phone[-4:]}", "PHONE").replace(phone, "PHONE")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_the_sign_in_page_shows_the_centres_phone_and_wechat(client, contact):
    page = client.get(reverse("riders:sign_in")).content.decode()
    assert "data-sign-in-help" in page
    assert 'href="tel:0532-8888 6666"' in page and "qdqishouzhijia" in page


def test_registered_and_unknown_numbers_get_the_same_help(client, contact, sms_outbox):
    rider = RiderFactory(phone="13812345678")
    registered = code_page(client, rider.phone)
    unknown = code_page(client, "13912345678")
    assert "data-help-phone" in registered and "data-help-wechat" in unknown
    assert without_the_number(registered, rider.phone) == without_the_number(unknown, "13912345678")
    assert len(sms_outbox) == 1  # the registered number's code only


def test_without_a_contact_set_the_page_says_whom_to_ask(client, settings):
    settings.CENTRE_PHONE = settings.CENTRE_WECHAT = ""
    page = client.get(reverse("riders:sign_in")).content.decode()
    assert "data-sign-in-help" in page and "data-help-phone" not in page
    assert "tel:" not in page


def test_a_malformed_number_keeps_the_help_beside_the_error(client, contact):
    response = client.post(reverse("riders:sign_in"), {"phone": "12345"})
    assert response.status_code == 200 and response.context["form"].errors["phone"]
    assert "data-help-phone" in response.content.decode()


def test_the_contact_is_escaped(client, settings):
    settings.CENTRE_PHONE = '"><script>x</script>'
    page = client.get(reverse("riders:sign_in")).content.decode()
    assert "<script>x</script>" not in page
