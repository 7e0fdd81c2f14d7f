"""Locust users of the lunch peak (bench/lunch_peak.py starts the stack and runs this).

LUNCH_LEVEL: the multiple of the estimated peak (scenario.py); LUNCH_FIXTURE: the JSON the
bench wrote (sessions, phones, meals, counters' sessions, API tokens, the local SMS gateway).
Every response is checked (status, and that a page is the page asked for): anything else is a
failure in locust's table.
"""

import itertools
import json
import os
import random
import re
import sys
import urllib.request
from http.cookiejar import Cookie, DefaultCookiePolicy
from pathlib import Path

import gevent
from locust import FastHttpUser, constant_pacing, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenario import (
    VISIT_MIX,
    plan_for,
)

LEVEL = int(os.environ.get("LUNCH_LEVEL", "1"))
FIXTURE = json.loads(Path(os.environ["LUNCH_FIXTURE"]).read_text())
PLAN = plan_for(LEVEL)  # per class: users, seconds between each one's visits
USERS = {kind: users for kind, (users, _pacing) in PLAN.items()}
PACING = {kind: pacing for kind, (_users, pacing) in PLAN.items()}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CODES = re.compile(r"<li><strong>(\d{4})</strong>")
PHOTO = Path(FIXTURE["photo"]).read_bytes()
# Riders near Licang and Shibei, where the demo's places and canteens are.
AROUND = [(36.16, 120.43), (36.08, 120.37), (36.12, 120.40), (36.19, 120.38)]
SERVICES = ["toilet", "water", "charging", "battery"]

RAMP_SECONDS = float(os.environ.get("LUNCH_RAMP", "0"))


@events.test_start.add_listener
def measure_after_the_ramp(environment, **_kwargs) -> None:
    """Reset the figures once every phone has arrived (bench/lunch_peak.py waits as long)."""
    if RAMP_SECONDS:
        gevent.spawn_later(RAMP_SECONDS, environment.stats.reset_all)


_sessions = itertools.count()
# Each run starts somewhere else among ~40,000 phones: a phone that signed in a minute ago in
# an earlier run would be told to wait before asking for another code.
_phones = itertools.count(random.randrange(len(FIXTURE["phones"])))
_tokens = itertools.count()
_counters = itertools.count()


def arrive_at_random(period: float) -> None:
    """Start each simulated phone (API client, counter) at a random point of its period.

    Independent riders do not arrive together; users that all started within the spawn's few
    seconds and then kept the same pacing would come as one herd every period, a burst of
    several times the level's rate every 20 s (what the runs before 2026-12-03 measured)."""
    gevent.sleep(random.uniform(0, period))


def csrf_of(response) -> str:
    found = CSRF.search(response.text or "")
    if found is None:
        raise ValueError("no CSRF token on the page")
    return found.group(1)


class TLSTerminated(DefaultCookiePolicy):
    """With DEBUG=0 the session and CSRF cookies are `Secure`; in production TLS ends at the
    proxy in front of gunicorn, here the load generator speaks plain HTTP to gunicorn itself,
    so it sends them back as a browser over HTTPS would."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


class Page:
    """GET a page and check it: 200 and HTML (the sign-in page instead is a failure)."""

    def __init__(self, user: FastHttpUser) -> None:
        self.client = user.client
        self.client.cookiejar.set_policy(TLSTerminated())

    def get(self, path: str, name: str | None = None):
        # No redirect followed: a signed-out rider's redirect to sign-in is a failure.
        with self.client.get(
            path, name=name or path, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif "<!doctype html>" not in (response.text or "")[:200].lower():
                response.failure("not the page")
        return response


def session_cookie(value: str):
    return Cookie(
        0,
        "sessionid",
        value,
        None,
        False,
        "127.0.0.1",
        False,
        False,
        "/",
        True,
        False,
        None,
        False,
        None,
        None,
        {},
    )


class Rider(FastHttpUser):
    """A signed-in rider's visit: Home, then what they came for."""

    weight = USERS["rider"]
    fixed_count = USERS["rider"]
    wait_time = constant_pacing(PACING["rider"])

    def on_start(self) -> None:
        session = FIXTURE["sessions"][next(_sessions) % len(FIXTURE["sessions"])]
        self.client.cookiejar.set_cookie(session_cookie(session))
        self.page = Page(self)
        self.lat, self.lng = random.choice(AROUND)
        arrive_at_random(PACING["rider"])

    @task
    def visit(self) -> None:
        # Each visit is another phone (scenario.PHONES_PER_USER): its own signed-in session.
        session = FIXTURE["sessions"][next(_sessions) % len(FIXTURE["sessions"])]
        self.client.cookiejar.set_cookie(session_cookie(session))
        self.lat, self.lng = random.choice(AROUND)
        self.page.get("/", name="/ (Home)")
        purpose = random.choices(list(VISIT_MIX), weights=list(VISIT_MIX.values()))[0]
        getattr(self, purpose)()

    def canteen(self) -> None:
        self.page.get(f"/canteens/?lat={self.lat}&lng={self.lng}", name="/canteens/")
        meal = random.choice(FIXTURE["meals"])
        form = self.page.get(f"/canteens/meals/{meal}/", name="/canteens/meals/N/")
        with self.client.post(
            f"/canteens/meals/{meal}/",
            data={"csrfmiddlewaretoken": csrf_of(form), "payment": "counter"},
            name="POST /canteens/meals/N/ (order)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/canteens/orders/" not in response.headers.get(
                "Location", ""
            ):
                response.failure(f"not ordered: {response.status_code}")
        self.page.get("/canteens/orders/")

    def nearby(self) -> None:
        self.page.get("/nearby/")
        service = random.choice(SERVICES)
        self.page.get(
            f"/nearby/?service={service}&lat={self.lat + random.uniform(-0.02, 0.02):.5f}"
            f"&lng={self.lng + random.uniform(-0.02, 0.02):.5f}",
            name="/nearby/?service=…",
        )

    def my_reports(self) -> None:
        self.page.get("/reports/")

    def file_report(self) -> None:
        form = self.page.get("/report/")
        with self.client.post(
            "/report/",
            data={
                "csrfmiddlewaretoken": csrf_of(form),
                "category": str(random.choice(FIXTURE["categories"])),
                "description": "楼道里堆满了纸箱和旧家具，挡住了消防通道。",
                "district": str(random.choice(FIXTURE["districts"])),
                "address": "李沧区九水东路 100 号",
                # Spread over the city: no two runs' reports are duplicates of each other.
                "latitude": f"{self.lat + random.uniform(-0.05, 0.05):.6f}",
                "longitude": f"{self.lng + random.uniform(-0.05, 0.05):.6f}",
            },
            files={"photos": ("photo.jpg", PHOTO, "image/jpeg")},
            headers={"X-Requested-With": "fetch"},
            name="POST /report/ (photo)",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"not filed: {response.status_code} {response.text[:200]}")

    def me(self) -> None:
        self.page.get(random.choice(["/me/", "/points/"]), name="/me/ or /points/")


class SignIn(FastHttpUser):
    """A rider whose phone signs in with a code: the SMS goes through the gateway."""

    weight = USERS["sign_in"]
    fixed_count = USERS["sign_in"]
    wait_time = constant_pacing(PACING["sign_in"])

    def on_start(self) -> None:
        self.page = Page(self)
        self.lat, self.lng = random.choice(AROUND)
        arrive_at_random(PACING["sign_in"])

    @task
    def visit(self) -> None:
        self.client.cookiejar.clear()  # a new phone each time
        phone = FIXTURE["phones"][next(_phones) % len(FIXTURE["phones"])]
        form = self.page.get("/sign-in/")
        with self.client.post(
            "/sign-in/",
            data={"csrfmiddlewaretoken": csrf_of(form), "phone": phone},
            name="POST /sign-in/ (SMS code)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                return
        # The phone receives the code: ask the gateway what it was sent.
        code = urllib.request.urlopen(f"{FIXTURE['gateway']}/code?phone={phone}").read().decode()
        form = self.page.get("/sign-in/code/")
        with self.client.post(
            "/sign-in/code/",
            data={"csrfmiddlewaretoken": csrf_of(form), "code": code},
            name="POST /sign-in/code/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                return
        self.page.get("/", name="/ (Home)")


class Department(FastHttpUser):
    """A department's system polling its queue, then reading the newest report."""

    weight = USERS["department"]
    fixed_count = USERS["department"]
    wait_time = constant_pacing(PACING["department"])

    def on_start(self) -> None:
        arrive_at_random(PACING["department"])

    @task
    def poll(self) -> None:
        # Each poll is another department's system (scenario.PHONES_PER_USER): its own token.
        token = FIXTURE["tokens"][next(_tokens) % len(FIXTURE["tokens"])]
        self.headers = {"Authorization": f"Token {token}"}
        with self.client.get(
            "/api/v1/reports/",
            headers=self.headers,
            name="API /api/v1/reports/",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return
            results = response.json().get("results") or []
        if results and random.random() < 0.2:
            with self.client.get(
                f"/api/v1/reports/{results[0]['id']}/",
                headers=self.headers,
                name="API /api/v1/reports/ID/",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")


class Counter(FastHttpUser):
    """A canteen counter: the screen of waiting orders; each rider's code handed over."""

    weight = USERS["counter"]
    fixed_count = USERS["counter"]
    wait_time = constant_pacing(PACING["counter"])

    def on_start(self) -> None:
        counter = FIXTURE["counters"][next(_counters) % len(FIXTURE["counters"])]
        self.client.cookiejar.set_cookie(session_cookie(counter["session"]))
        self.url = f"/staff/counter/{counter['canteen']}/"
        self.page = Page(self)
        arrive_at_random(PACING["counter"])

    @task
    def visit(self) -> None:
        screen = self.page.get(self.url, name="/staff/counter/N/")
        for code in CODES.findall(screen.text or "")[:5]:
            with self.client.post(
                self.url,
                data={"csrfmiddlewaretoken": csrf_of(screen), "code": code},
                name="POST /staff/counter/N/ (pick-up)",
                catch_response=True,
            ) as response:
                if response.status_code != 200 or "data-collected" not in (response.text or ""):
                    response.failure("not handed over")
                    return
                screen = response
