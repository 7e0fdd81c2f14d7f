"""Sign in with the delivery platform's account: OpenID Connect, code flow with PKCE.

Authlib speaks the protocol: discovery, the state (kept in the Django session), the nonce,
PKCE S256, the code exchange, the ID token's signature against the provider's JWKS (fetched
again when a key id is new, so key rotation needs nothing from us) and its claims. What is ours:
the claim checks Authlib leaves to the caller (see `_claims_options`), which rider the
platform's rider number names, and the refusals, each with its own translated message. The
browser session itself is started by the code the phone sign-in uses (riders/views.py), so both
ways in produce the same session.

Off unless PLATFORM_OIDC_DISCOVERY_URL (or PLATFORM_OIDC_ISSUER) and PLATFORM_OIDC_CLIENT_ID
are set; docs/sign-in.md.
"""

import functools
import logging
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from joserfc.errors import JoseError

from core.errors import DomainError

from .models import Rider

logger = logging.getLogger("riders.sign_in")

NAME = "platform"  # Authlib's name for the client; its session keys are `_state_platform_…`

# Why a sign-in was refused (PlatformSignInRefused.code), and the HTTP status of the page.
UNKNOWN_RIDER = "unknown_rider"
INACTIVE_RIDER = "inactive_rider"
NO_RIDER_NUMBER = "no_rider_number"
CANCELLED = "cancelled"
FAILED = "failed"
UNAVAILABLE = "unavailable"
STATUS = {
    UNKNOWN_RIDER: 403,
    INACTIVE_RIDER: 403,
    NO_RIDER_NUMBER: 403,
    CANCELLED: 400,
    FAILED: 400,
    UNAVAILABLE: 502,
}


# The provider could not be reached at all (as opposed to answering with an error).
UNREACHABLE = (requests.ConnectionError, requests.Timeout)


class PlatformSignInRefused(DomainError):
    code = FAILED

    @property
    def status(self) -> int:
        return STATUS[self.code]


@dataclass(frozen=True)
class PlatformConfig:
    discovery_url: str
    issuer: str  # as configured; empty: the one the discovery document names
    client_id: str
    client_secret: str
    scopes: str
    rider_claim: str
    timeout: int


@dataclass(frozen=True)
class PlatformSignIn:
    rider: Rider
    id_token: str  # kept in the session as the id_token_hint for signing out at the platform


def platform_config() -> PlatformConfig | None:
    """The configuration from settings, or None when the platform sign-in is off."""
    if not (settings.PLATFORM_OIDC_DISCOVERY_URL and settings.PLATFORM_OIDC_CLIENT_ID):
        return None
    scopes = settings.PLATFORM_OIDC_SCOPES.split()
    if "openid" not in scopes:
        scopes.insert(0, "openid")  # without it there is no ID token, and no nonce
    return PlatformConfig(
        discovery_url=settings.PLATFORM_OIDC_DISCOVERY_URL,
        issuer=settings.PLATFORM_OIDC_ISSUER,
        client_id=settings.PLATFORM_OIDC_CLIENT_ID,
        client_secret=settings.PLATFORM_OIDC_CLIENT_SECRET,
        scopes=" ".join(scopes),
        rider_claim=settings.PLATFORM_OIDC_RIDER_CLAIM,
        timeout=settings.PLATFORM_OIDC_TIMEOUT_SECONDS,
    )


def platform_sign_in_enabled() -> bool:
    return platform_config() is not None


@functools.lru_cache(maxsize=4)
def _client(config: PlatformConfig) -> DjangoOAuth2App:
    """One client per configuration and process: it keeps the discovery document and the JWKS."""
    client: DjangoOAuth2App = OAuth().register(
        NAME,
        client_id=config.client_id,
        client_secret=config.client_secret or None,
        server_metadata_url=config.discovery_url,
        client_kwargs={
            "scope": config.scopes,
            "code_challenge_method": "S256",
            # A confidential client authenticates with its secret; without one it is public and
            # PKCE alone binds the code to this browser.
            "token_endpoint_auth_method": (
                "client_secret_basic" if config.client_secret else "none"
            ),
            "default_timeout": config.timeout,
        },
    )
    return client


def _metadata(config: PlatformConfig) -> dict[str, Any]:
    metadata: dict[str, Any] = _client(config).load_server_metadata()
    if config.issuer and metadata.get("issuer") != config.issuer:
        # OpenID Connect Discovery 4.3: the document must name the issuer we asked for.
        logger.error(
            "Platform sign-in: the discovery document names issuer %r, not %r",
            metadata.get("issuer"),
            config.issuer,
        )
        raise _failed()
    return metadata


def _claims_options(config: PlatformConfig, metadata: dict[str, Any]) -> dict[str, Any]:
    """Authlib checks the signature, exp, iat, nonce, azp and at_hash itself, and the issuer
    when it is given no options; it checks `aud` against our client id only through `azp`. So
    the issuer and the audience are stated here (a token for another client, or from another
    issuer, is refused even with a valid signature)."""
    return {
        "iss": {"essential": True, "value": config.issuer or metadata["issuer"]},
        "aud": {"essential": True, "value": config.client_id},
        "exp": {"essential": True},
    }


def _failed() -> PlatformSignInRefused:
    return PlatformSignInRefused(
        _(
            "Signing in with the platform did not work. Please try again, or sign in with your "
            "phone number."
        ),
        code=FAILED,
    )


def _unavailable() -> PlatformSignInRefused:
    return PlatformSignInRefused(
        _(
            "The platform's sign-in cannot be reached right now. Please try again in a few "
            "minutes, or sign in with your phone number."
        ),
        code=UNAVAILABLE,
    )


def platform_authorize_redirect(request: HttpRequest, *, redirect_uri: str) -> HttpResponse:
    """The redirect to the platform's sign-in. State, nonce and the PKCE verifier go into this
    browser's session (Authlib), to be checked when the platform sends the rider back."""
    config = platform_config()
    assert config is not None, "views check platform_sign_in_enabled() first"
    try:
        _metadata(config)
        response: HttpResponse = _client(config).authorize_redirect(request, redirect_uri)
    except UNREACHABLE as error:
        logger.warning("Platform sign-in: provider unreachable: %s", error)
        raise _unavailable() from error
    except requests.RequestException as error:  # it answered, with an HTTP error
        logger.warning("Platform sign-in: provider answered %s", error)
        raise _failed() from error
    return response


def platform_sign_in_finish(request: HttpRequest, *, redirect_uri: str) -> PlatformSignIn:
    """Check the platform's answer and find the rider; raise PlatformSignInRefused.

    The state must be one this browser session was given (else Authlib's MismatchingStateError,
    before any network call); it is used up here, so a replayed answer is refused too. The
    code is exchanged with the verifier (PKCE), and the ID token must carry the nonce stored
    with that state.
    """
    config = platform_config()
    assert config is not None, "views check platform_sign_in_enabled() first"
    client = _client(config)
    if request.GET.get("error") == "access_denied":
        raise PlatformSignInRefused(
            _("Signing in with the platform was cancelled. You can sign in with your phone."),
            code=CANCELLED,
        )
    try:
        metadata = _metadata(config)
        if "iss" in request.GET and request.GET["iss"] != metadata["issuer"]:
            # RFC 9207: an answer from another provider (mix-up attack) is not ours.
            raise _failed()
        token = client.authorize_access_token(
            request, claims_options=_claims_options(config, metadata)
        )
        if not token.get("userinfo"):
            logger.warning("Platform sign-in: the token response has no ID token")
            raise _failed()
        claims = dict(token["userinfo"])
        if config.rider_claim not in claims and metadata.get("userinfo_endpoint"):
            # In the code flow scope claims may come only from the userinfo endpoint; it must
            # describe the same person as the ID token (OpenID Connect Core 5.3.2).
            userinfo = client.userinfo(token=token)
            if userinfo.get("sub") != claims["sub"]:
                logger.warning("Platform sign-in: userinfo is about another subject")
                raise _failed()
            claims = {**userinfo, **claims}
    except PlatformSignInRefused:
        raise
    except UNREACHABLE as error:
        logger.warning("Platform sign-in: provider unreachable: %s", error)
        raise _unavailable() from error
    except (AuthlibBaseError, JoseError, requests.RequestException) as error:
        # A state not from this session, a code or verifier the provider refuses, a bad
        # signature, a wrong issuer, audience or nonce, an expired token, an HTTP error from
        # the provider: one answer for all.
        logger.warning("Platform sign-in refused: %s: %s", type(error).__name__, error)
        raise _failed() from error
    rider_number = str(claims.get(config.rider_claim) or "").strip()
    rider = rider_for_platform_number(rider_number=rider_number)
    # The row's id, not the platform's rider number: the log names no one.
    logger.info("Platform sign-in: rider id %s", rider.pk)
    return PlatformSignIn(rider=rider, id_token=token["id_token"])


def rider_for_platform_number(*, rider_number: str) -> Rider:
    """The active rider the platform's rider number names, or PlatformSignInRefused.

    No account is ever created here: riders come from the platform's roster (riders/roster.py),
    so a number the portal does not know is a roster not yet imported, and the rider is told so.
    """
    if not rider_number:
        raise PlatformSignInRefused(
            _(
                "Your platform account has no rider number, so the portal cannot tell which "
                "rider you are. Please sign in with your phone number."
            ),
            code=NO_RIDER_NUMBER,
        )
    rider = Rider.objects.select_related("user").filter(rider_number=rider_number).first()
    if rider is None:
        raise PlatformSignInRefused(
            _(
                "No rider in the portal has the platform rider number %(number)s. New riders "
                "appear after the platform's next roster update; until then, ask your station "
                "or the service centre."
            )
            % {"number": rider_number},
            code=UNKNOWN_RIDER,
        )
    if not rider.is_active or not rider.user.is_active:
        raise PlatformSignInRefused(
            _(
                "Your rider account is not active, so you cannot sign in. If this is a "
                "mistake, please contact the service centre."
            ),
            code=INACTIVE_RIDER,
        )
    return rider


def platform_logout_url(*, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to sign out at the platform too (RP-initiated logout), or
    None when the platform advertises no end_session_endpoint or cannot be reached (the
    portal's own session is ended either way)."""
    config = platform_config()
    if config is None:
        return None
    client = _client(config)
    try:
        if not _metadata(config).get("end_session_endpoint"):
            return None
        result = client.create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri,
            id_token_hint=id_token,
            client_id=config.client_id,
        )
    except (requests.RequestException, PlatformSignInRefused) as error:
        logger.warning("Platform sign-out skipped: %s", error)
        return None
    url: str = result["url"]
    return url
