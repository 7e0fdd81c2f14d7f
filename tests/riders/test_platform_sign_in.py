"""Sign in with the platform (OpenID Connect) against a real provider (tests/oidc_provider).

The portal side runs in Django's test client; the provider is the certified Node.js
`oidc-provider`, reached over HTTP by the portal (discovery, token, JWKS, userinfo) and by the
test standing in for the browser at the provider's pages.
"""

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib import auth
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from core.models import User
from riders import oidc
from riders.models import Rider
from riders.views import DEVICE_COOKIE, DEVICE_COOKIE_SALT, SESSION_PLATFORM_ID_TOKEN
from tests.conftest import ROOT
from tests.factories import RiderFactory
from tests.oidc_provider.fixtures import CLIENT_ID, query_of

pytestmark = pytest.mark.django_db

START = "/sign-in/platform/"
CALLBACK = "/sign-in/platform/callback/"


@pytest.fixture
def wang(db):
    return RiderFactory(rider_number="QD-10001", name="王小骑", phone="13800001001")


def start(client) -> str:
    """Press "Sign in with the platform": the URL of the provider's authorization endpoint."""
    response = client.get(START)
    assert response.status_code == 302, response.content
    return response.url


def come_back(client, url: str):
    """The browser arrives back at the portal's callback from the provider."""
    parts = urlsplit(url)
    assert parts.path == CALLBACK, url
    return client.get(f"{parts.path}?{parts.query}")


def platform_sign_in(client, provider, login: str):
    return come_back(client, provider.sign_in(start(client), login))


def signed_in_user(client):
    return auth.get_user(client)


def authlib_state(client) -> tuple[str, dict]:
    """The state Authlib stored in this browser's session for the one pending sign-in."""
    keys = [key for key in client.session.keys() if key.startswith("_state_platform_")]  # noqa: SIM118 (not iterable)
    assert len(keys) == 1, keys
    return keys[0], client.session[keys[0]]


# --- the happy path ----------------------------------------------------------------------------
def test_rider_signs_in_with_the_platform_account_and_no_code(
    client, oidc_provider, wang, sms_outbox
):
    riders, users = Rider.objects.count(), User.objects.count()
    response = platform_sign_in(client, oidc_provider, "wang")
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert signed_in_user(client) == wang.user
    assert client.session[SESSION_PLATFORM_ID_TOKEN].count(".") == 2  # the ID token, for logout
    assert not sms_outbox
    assert (Rider.objects.count(), User.objects.count()) == (riders, users)
    wang.user.refresh_from_db()
    assert wang.user.last_login is not None


def test_the_session_is_the_one_the_phone_code_gives(oidc_provider, wang, sms_outbox, rf):
    by_phone, by_platform = Client(), Client()
    by_phone.post(reverse("riders:sign_in"), {"phone": wang.phone})
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    phone_answer = by_phone.post(reverse("riders:sign_in_code"), {"code": code})
    platform_answer = platform_sign_in(by_platform, oidc_provider, "wang")

    assert phone_answer.url == platform_answer.url == reverse("portal:home")
    assert set(phone_answer.cookies) == set(platform_answer.cookies)
    for session in (by_phone.session, by_platform.session):
        assert session["_auth_user_id"] == str(wang.user_id)
        assert session["_auth_user_backend"] == "riders.auth.RiderSessionBackend"

    def device(answer) -> str:  # the trusted-browser cookie vouches for the same phone number
        request = rf.get("/", HTTP_COOKIE=f"{DEVICE_COOKIE}={answer.cookies[DEVICE_COOKIE].value}")
        return request.get_signed_cookie(DEVICE_COOKIE, salt=DEVICE_COOKIE_SALT)

    assert device(phone_answer) == device(platform_answer)


def test_the_page_asked_for_is_where_the_rider_lands(client, oidc_provider, wang):
    page = client.get("/sign-in/?next=/me/").content.decode()
    assert f'href="{START}?next=/me/"' in page  # the button carries it
    response = client.get(f"{START}?next=/me/")
    response = come_back(client, oidc_provider.sign_in(response.url, "wang"))
    assert response.url == "/me/"


def test_an_outside_next_is_not_followed(client, oidc_provider, wang):
    response = client.get(f"{START}?next=https://evil.example/")
    response = come_back(client, oidc_provider.sign_in(response.url, "wang"))
    assert response.url == reverse("portal:home")


def test_the_request_to_the_platform_carries_pkce_s256_state_and_nonce(client, oidc_provider):
    url = start(client)
    assert url.startswith(f"{oidc_provider.issuer}/auth?")
    query = query_of(url)
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == f"http://testserver{CALLBACK}"
    assert query["scope"].split() == ["openid", "profile"]
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43  # base64url of a SHA-256
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 20
    _key, stored = authlib_state(client)
    assert stored["data"]["nonce"] == query["nonce"]
    # The verifier stays in the session; the platform sees only its SHA-256.
    verifier = stored["data"]["code_verifier"]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == query["code_challenge"]


def test_the_rider_number_may_come_in_the_id_token_itself(
    client, oidc_provider_factory, settings, wang
):
    provider = oidc_provider_factory("http://testserver", OIDC_CONFORM_ID_TOKEN_CLAIMS="0")
    provider.configure(settings)
    assert platform_sign_in(client, provider, "wang").status_code == 302
    assert signed_in_user(client) == wang.user


def test_the_claim_holding_the_rider_number_is_configurable(client, oidc_provider, settings):
    rider = RiderFactory(rider_number="wang")  # the provider's `sub` is the login name
    settings.PLATFORM_OIDC_RIDER_CLAIM = "sub"
    platform_sign_in(client, oidc_provider, "wang")
    assert signed_in_user(client) == rider.user


# --- who is refused ------------------------------------------------------------------------------
def refused(response, reason: str, status: int = 403) -> str:
    assert response.status_code == status, response.content
    assert response.context["reason"] == reason
    assert "_auth_user_id" not in response.wsgi_request.session
    text = response.content.decode()
    assert escape(response.context["message"]) in text
    return text


def test_a_platform_account_unknown_to_the_portal_is_refused_and_nothing_is_created(
    client, oidc_provider, wang
):
    riders, users = Rider.objects.count(), User.objects.count()
    text = refused(platform_sign_in(client, oidc_provider, "stranger"), oidc.UNKNOWN_RIDER)
    assert "QD-99999" in text
    assert 'href="/sign-in/"' in text  # the phone sign-in is offered instead
    assert (Rider.objects.count(), User.objects.count()) == (riders, users)
    assert signed_in_user(client).is_anonymous


def test_an_inactive_rider_is_refused(client, oidc_provider):
    RiderFactory(rider_number="QD-10002", is_active=False)
    text = refused(platform_sign_in(client, oidc_provider, "zhao"), oidc.INACTIVE_RIDER)
    assert "未启用" in text  # the reader's language: Chinese by default


def test_a_rider_whose_user_account_was_switched_off_is_refused(client, oidc_provider):
    rider = RiderFactory(rider_number="QD-10002")
    User.objects.filter(pk=rider.user_id).update(is_active=False)
    refused(platform_sign_in(client, oidc_provider, "zhao"), oidc.INACTIVE_RIDER)


def test_an_account_without_a_rider_number_is_refused(client, oidc_provider):
    refused(platform_sign_in(client, oidc_provider, "nameless"), oidc.NO_RIDER_NUMBER)


def test_the_refusal_speaks_the_readers_language(client, oidc_provider, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = refused(platform_sign_in(client, oidc_provider, "stranger"), oidc.UNKNOWN_RIDER)
    assert "No rider in the portal has the platform rider number QD-99999" in text
    assert '<html lang="en">' in text


# --- the protocol's checks ------------------------------------------------------------------------
def test_a_tampered_state_is_refused_and_the_real_answer_still_works(client, oidc_provider, wang):
    back = oidc_provider.sign_in(start(client), "wang")
    query = query_of(back)
    forged = back.replace(f"state={query['state']}", f"state={query['state'][:-2]}xx")
    refused(come_back(client, forged), oidc.FAILED, status=400)
    assert come_back(client, back).status_code == 302  # only the state was wrong
    assert signed_in_user(client) == wang.user


def test_an_answer_for_another_browser_is_refused(client, oidc_provider, wang):
    """Login CSRF: someone's own code and state, planted in a victim's browser."""
    back = oidc_provider.sign_in(start(Client()), "wang")
    refused(come_back(client, back), oidc.FAILED, status=400)


def test_an_answer_is_used_once(client, oidc_provider, wang):
    back = oidc_provider.sign_in(start(client), "wang")
    assert come_back(client, back).status_code == 302
    client.post(reverse("riders:sign_out"))
    refused(come_back(client, back), oidc.FAILED, status=400)


def test_an_id_token_whose_nonce_is_not_this_sign_in_is_refused(client, oidc_provider, wang):
    """As if the ID token were replayed from another sign-in: its nonce is not ours."""
    back = oidc_provider.sign_in(start(client), "wang")
    key, stored = authlib_state(client)
    session = client.session
    session[key] = {**stored, "data": {**stored["data"], "nonce": "another-sign-in-nonce"}}
    session.save()
    refused(come_back(client, back), oidc.FAILED, status=400)


def test_the_provider_refuses_a_code_without_its_verifier(client, oidc_provider, wang):
    """PKCE: a stolen code is no use without the verifier kept in the browser's session."""
    back = oidc_provider.sign_in(start(client), "wang")
    key, stored = authlib_state(client)
    session = client.session
    session[key] = {**stored, "data": {**stored["data"], "code_verifier": "x" * 64}}
    session.save()
    refused(come_back(client, back), oidc.FAILED, status=400)


def forged_claims(provider, nonce: str) -> dict:
    now = int(time.time())
    return {
        "iss": provider.issuer,
        "sub": "wang",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "rider_no": "QD-10001",
    }


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "another-client"},
        {"aud": ["another-client"], "azp": CLIENT_ID},
        {"iss": "http://127.0.0.1:1"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"nonce": "another-sign-in-nonce"},
    ],
    ids=["other-audience", "other-audience-with-our-azp", "other-issuer", "expired", "nonce"],
)
def test_an_id_token_signed_by_the_provider_with_wrong_claims_is_refused(
    client, oidc_provider, wang, monkeypatch, change
):
    """The provider's own key signs these, so only the claim checks can refuse them."""
    back = oidc_provider.sign_in(start(client), "wang")
    _key, stored = authlib_state(client)
    app = oidc._client(oidc.platform_config())
    real_exchange = app.fetch_access_token

    def exchange(**params):
        token = real_exchange(**params)
        claims = {**forged_claims(oidc_provider, stored["data"]["nonce"]), **change}
        return {**token, "id_token": oidc_provider.sign(claims)}

    monkeypatch.setattr(app, "fetch_access_token", exchange)
    refused(come_back(client, back), oidc.FAILED, status=400)


def test_a_forged_token_with_the_right_claims_passes_so_the_checks_above_are_real(
    client, oidc_provider, wang, monkeypatch
):
    back = oidc_provider.sign_in(start(client), "wang")
    _key, stored = authlib_state(client)
    app = oidc._client(oidc.platform_config())
    real_exchange = app.fetch_access_token

    def exchange(**params):
        token = real_exchange(**params)
        claims = forged_claims(oidc_provider, stored["data"]["nonce"])
        return {**token, "id_token": oidc_provider.sign(claims)}

    monkeypatch.setattr(app, "fetch_access_token", exchange)
    assert come_back(client, back).status_code == 302
    assert signed_in_user(client) == wang.user


def test_an_id_token_with_a_broken_signature_is_refused(client, oidc_provider, wang, monkeypatch):
    back = oidc_provider.sign_in(start(client), "wang")
    app = oidc._client(oidc.platform_config())
    real_exchange = app.fetch_access_token

    def exchange(**params):
        token = real_exchange(**params)
        header, payload, signature = token["id_token"].split(".")
        flipped = ("A" if signature[10] != "A" else "B").join([signature[:10], signature[11:]])
        return {**token, "id_token": f"{header}.{payload}.{flipped}"}

    monkeypatch.setattr(app, "fetch_access_token", exchange)
    refused(come_back(client, back), oidc.FAILED, status=400)


def test_a_discovery_document_naming_another_issuer_is_refused(client, oidc_provider, settings):
    settings.PLATFORM_OIDC_ISSUER = "https://platform.example"
    refused(client.get(START), oidc.FAILED, status=400)


def test_a_discovery_url_that_answers_with_an_error_is_refused(client, oidc_provider, settings):
    settings.PLATFORM_OIDC_DISCOVERY_URL = f"{oidc_provider.issuer}/no-such-document"
    refused(client.get(START), oidc.FAILED, status=400)


def test_cancelling_at_the_platform_says_so(client, oidc_provider):
    state = query_of(start(client))["state"]
    response = client.get(f"{CALLBACK}?error=access_denied&state={state}")
    text = refused(response, oidc.CANCELLED, status=400)
    assert f'href="{START}"' in text  # try again


def test_an_unreachable_platform_is_a_clear_page_not_an_error(client, oidc_provider, settings):
    settings.PLATFORM_OIDC_ISSUER = ""
    settings.PLATFORM_OIDC_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    refused(client.get(START), oidc.UNAVAILABLE, status=502)


# --- signing out ----------------------------------------------------------------------------------
def test_sign_out_ends_the_portal_session_and_the_platform_session(client, oidc_provider, wang):
    at_provider = requests.Session()
    back = oidc_provider.sign_in(start(client), "wang", session=at_provider)
    come_back(client, back)
    id_token = client.session[SESSION_PLATFORM_ID_TOKEN]

    response = client.post(reverse("riders:sign_out"))
    assert signed_in_user(client).is_anonymous
    assert response.status_code == 302
    assert response.url.startswith(f"{oidc_provider.issuer}/session/end?")
    query = query_of(response.url)
    assert query["id_token_hint"] == id_token
    assert query["post_logout_redirect_uri"] == "http://testserver/sign-in/"
    assert query["client_id"] == CLIENT_ID

    # At the provider: it accepts the hint and the address, asks, and sends the rider back.
    confirm = at_provider.get(response.url, timeout=10)
    assert confirm.status_code == 200, confirm.text
    form = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', confirm.text))
    action = re.search(r'action="([^"]+)"', confirm.text).group(1)
    done = at_provider.post(
        f"{oidc_provider.issuer}{action}" if action.startswith("/") else action,
        data={**form, "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    assert done.status_code in (302, 303)
    assert done.headers["Location"].startswith("http://testserver/sign-in/?state=")
    # The platform session is over: the next sign-in asks for the account again.
    again = at_provider.get(start(client), allow_redirects=True, timeout=10)
    assert "/interaction/" in again.url and 'name="login"' in again.text


def test_a_platform_without_end_session_endpoint_is_signed_out_of_the_portal_only(
    client, oidc_provider_factory, settings, wang
):
    provider = oidc_provider_factory("http://testserver", OIDC_RP_INITIATED_LOGOUT="0")
    provider.configure(settings)
    platform_sign_in(client, provider, "wang")
    assert signed_in_user(client) == wang.user
    response = client.post(reverse("riders:sign_out"))
    assert response.url == reverse("riders:sign_in")
    assert signed_in_user(client).is_anonymous


def test_signing_out_after_a_phone_sign_in_stays_in_the_portal(
    client, oidc_provider, wang, sms_outbox
):
    client.post(reverse("riders:sign_in"), {"phone": wang.phone})
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    client.post(reverse("riders:sign_in_code"), {"code": code})
    response = client.post(reverse("riders:sign_out"))
    assert response.url == reverse("riders:sign_in")
    assert signed_in_user(client).is_anonymous


def test_sign_out_still_signs_out_when_the_platform_is_unreachable(
    client, oidc_provider, wang, settings
):
    platform_sign_in(client, oidc_provider, "wang")
    settings.PLATFORM_OIDC_ISSUER = ""
    settings.PLATFORM_OIDC_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    response = client.post(reverse("riders:sign_out"))
    assert response.url == reverse("riders:sign_in")
    assert signed_in_user(client).is_anonymous


# --- on and off ----------------------------------------------------------------------------------
def test_the_sign_in_page_offers_the_platform_when_configured(client, oidc_provider):
    page = client.get(reverse("riders:sign_in")).content.decode()
    assert f'href="{START}"' in page
    assert 'name="phone"' in page  # the phone code stays as the fallback


def test_without_configuration_there_is_no_button_and_no_urls(client, settings):
    settings.PLATFORM_OIDC_ISSUER = ""
    settings.PLATFORM_OIDC_DISCOVERY_URL = ""
    settings.PLATFORM_OIDC_CLIENT_ID = ""
    page = client.get(reverse("riders:sign_in")).content.decode()
    assert START not in page and 'name="phone"' in page
    assert client.get(START).status_code == 404
    assert client.get(f"{CALLBACK}?code=x&state=y").status_code == 404


def test_a_client_id_alone_does_not_switch_it_on(client, settings):
    settings.PLATFORM_OIDC_ISSUER = ""
    settings.PLATFORM_OIDC_DISCOVERY_URL = ""
    settings.PLATFORM_OIDC_CLIENT_ID = CLIENT_ID
    assert client.get(START).status_code == 404


def test_the_environment_configures_it_with_the_secret_from_a_file(tmp_path):
    """What settings.py makes of the variables (in a fresh process, as at start-up)."""
    secret = tmp_path / "oidc-secret"
    secret.write_text("from-a-docker-secret\n")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PLATFORM_OIDC_")},
        "PLATFORM_OIDC_ISSUER": "https://passport.platform.example/oidc",
        "PLATFORM_OIDC_CLIENT_ID": "riders-portal",
        "PLATFORM_OIDC_CLIENT_SECRET_FILE": str(secret),
        "PLATFORM_OIDC_RIDER_CLAIM": "employee_no",
    }
    script = (
        "import json, riders_portal.settings as s; print(json.dumps({"
        "'discovery': s.PLATFORM_OIDC_DISCOVERY_URL, 'secret': s.PLATFORM_OIDC_CLIENT_SECRET, "
        "'claim': s.PLATFORM_OIDC_RIDER_CLAIM, 'scopes': s.PLATFORM_OIDC_SCOPES, "
        "'form_action': [str(x) for x in s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "discovery": "https://passport.platform.example/oidc/.well-known/openid-configuration",
        "secret": "from-a-docker-secret",
        "claim": "employee_no",
        "scopes": "openid profile",
        # signing out redirects a form post to the platform: the browser must allow it
        "form_action": ["'self'", "https://passport.platform.example"],
    }
