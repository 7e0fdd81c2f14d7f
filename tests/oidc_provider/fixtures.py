"""A real OpenID provider for the platform sign-in tests, run from tests/oidc_provider/server.js.

`oidc_provider_factory(base_url)` starts (once per test process and base URL) the certified
Node.js `oidc-provider` with the portal registered as a client whose redirect URIs are under
`base_url`, signing with a key this module made (so a test can forge a token the way only the
provider could, and check what else the portal checks). `npm ci` runs first when
node_modules is missing. A plugin of tests/conftest.py, so every test can ask for them.
"""

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.conftest import require_service

PROVIDER_DIR = Path(__file__).resolve().parent
CLIENT_ID = "riders-portal"
CLIENT_SECRET = "riders-portal-test-secret"  # the test provider's own client
CALLBACK_PATH = "/sign-in/platform/callback/"
SIGN_IN_PATH = "/sign-in/"
# Who can sign in at the test provider (login name → claims).
ACCOUNTS = {
    "wang": {"rider_no": "QD-10001", "name": "王小骑"},
    "zhao": {"rider_no": "QD-10002", "name": "赵停用"},
    "stranger": {"rider_no": "QD-99999", "name": "Not on the roster"},
    "nameless": {"name": "No rider number"},
}


@dataclass
class OIDCProvider:
    issuer: str
    base_url: str
    key: RSAKey
    process: subprocess.Popen
    log: deque = field(default_factory=lambda: deque(maxlen=500))

    def configure(self, settings, **overrides) -> None:
        """Point the portal's settings at this provider (what the environment would say)."""
        from riders_portal.settings import _tile_origin

        settings.PLATFORM_OIDC_ISSUER = self.issuer
        settings.PLATFORM_OIDC_DISCOVERY_URL = f"{self.issuer}/.well-known/openid-configuration"
        settings.PLATFORM_OIDC_CLIENT_ID = CLIENT_ID
        settings.PLATFORM_OIDC_CLIENT_SECRET = CLIENT_SECRET
        settings.PLATFORM_OIDC_SCOPES = "openid profile"
        settings.PLATFORM_OIDC_RIDER_CLAIM = "rider_no"
        # settings.py adds the provider to form-action when the environment configures it.
        policy = settings.CONTENT_SECURITY_POLICY
        directives = {**policy["DIRECTIVES"]}
        directives["form-action"] = [*directives["form-action"], _tile_origin(self.issuer)]
        settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
        for name, value in overrides.items():
            setattr(settings, name, value)

    def sign(self, claims: dict) -> str:
        """An ID token signed with the provider's own key."""
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)

    def sign_in(self, authorization_url: str, login: str, session=None) -> str:
        """Sign in at the provider as a person would (with a fresh provider session unless one
        is given); returns the URL the provider sends the browser back to."""
        session = session or requests.Session()
        url = authorization_url
        for _hop in range(10):
            response = session.get(url, allow_redirects=False, timeout=10)
            if response.status_code == 200 and "/interaction/" in url:
                response = session.post(
                    url, data={"login": login}, allow_redirects=False, timeout=10
                )
            assert response.status_code in (302, 303), (response.status_code, response.text)
            url = urljoin(url, response.headers["Location"])
            if not url.startswith(self.issuer):
                return url
        raise AssertionError(f"the provider never sent the browser back: {url}")

    def output(self) -> str:
        return "".join(self.log)


def _npm_ci() -> None:
    """Install the provider's pinned packages once (a lock: xdist workers start together)."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    require_service(shutil.which("npm") is not None, "npm (apt-get install npm)")
    with open(PROVIDER_DIR / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"],
                cwd=PROVIDER_DIR,
                check=True,
                capture_output=True,
                timeout=300,
            )


def _start(base_url: str, env: dict[str, str]) -> OIDCProvider:
    require_service(shutil.which("node") is not None, "Node.js (apt-get install nodejs)")
    _npm_ci()
    key = RSAKey.generate_key(2048, parameters={"kid": "test-signing-key", "use": "sig"})
    jwks = {"keys": [{**key.as_dict(private=True), "alg": "RS256"}]}
    process = subprocess.Popen(
        ["node", "server.js"],
        cwd=PROVIDER_DIR,
        env={
            **os.environ,
            "OIDC_REDIRECT_URIS": f"{base_url}{CALLBACK_PATH}",
            "OIDC_POST_LOGOUT_REDIRECT_URIS": f"{base_url}{SIGN_IN_PATH}",
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
            "OIDC_JWKS": json.dumps(jwks),
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    log: deque = deque(maxlen=500)
    ready = threading.Event()
    found: list[str] = []

    def drain() -> None:
        for line in process.stdout:
            log.append(line)
            if line.startswith("OIDC_PROVIDER_READY "):
                found.append(line.split()[1])
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + 30
    while not ready.wait(0.1):
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            pytest.fail("the test OpenID provider did not start:\n" + "".join(log))
    return OIDCProvider(issuer=found[0], base_url=base_url, key=key, process=process, log=log)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def oidc_provider_factory():
    """`start(base_url, **env)` → a running OIDCProvider, shared by the tests of this process
    that ask for the same base URL and environment; all are stopped at the end."""
    running: dict[tuple, OIDCProvider] = {}

    def start(base_url: str, **env: str) -> OIDCProvider:
        key = (base_url, tuple(sorted(env.items())))
        if key not in running or running[key].process.poll() is not None:
            running[key] = _start(base_url, env)
        return running[key]

    yield start
    for provider in running.values():
        _stop(provider.process)


@pytest.fixture
def oidc_provider(oidc_provider_factory, settings) -> OIDCProvider:
    """The provider for Django's test client (http://testserver), configured in settings."""
    provider = oidc_provider_factory("http://testserver")
    provider.configure(settings)
    return provider


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
