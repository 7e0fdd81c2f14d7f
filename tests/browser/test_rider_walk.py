"""A rider's whole day in a real browser at 390×844, once in Chinese and once in English: the
measuring instrument of issue 17's "browser truth". Every page the rider opens is judged, and
the test fails at the end with every finding of every page, grouped by page:

- language: a visible text in the other language. Visible means a text node whose element
  renders (checkVisibility with opacity and CSS visibility, a box of some size; not inside
  <script>, <style>, <noscript>, <template> or aria-hidden="true", so decorative SVG is left
  out, and nothing in a closed <details>), the options of a visible <select>, the
  placeholder/aria-label/alt/title of a visible element, a button's value, and <title>;
  screen-reader-only text counts too (it is read aloud in the page's language).
  English mode: any CJK character (ideographs, CJK and full-width punctuation). Chinese mode:
  any run of two or more Latin letters, except the units and terms in LATIN_ALLOWED.
  Allowed in both: text inside an element whose `lang` names the other language (the language
  switch names each language in its own), and data — what riders and staff typed and the
  proper names of places and people. Data is recognised by value, not by markup: before
  judging a page the test reads the fields listed in DATA_FIELDS from the database (names,
  addresses, descriptions, replies, notes: never codes, choices or system messages, which must
  be rendered in the reader's language) and removes each value from the page's texts first.
  A field with an English twin (`name` / `name_en`) counts as data only in its own language
  when the twin is filled: a Chinese district name shown in English mode, when its English
  name exists, is a finding, and so is an English twin in Chinese mode. (Matching by value
  rather than a data-user-text attribute needs no template to change and follows the data
  into whatever template shows it; the price is that a data value equal to an interface
  string would hide it, so the data built here avoids such values: the activity's place is
  not a district's name.)
- overflow: the page scrolls sideways, or a visible element sticks out of the viewport and no
  ancestor scrolls or clips it sideways on purpose (only the outermost such element is named).
- tap target: a visible a[href], button, input, select, textarea, summary, or the label of a
  checkbox or radio (measured instead of the box itself), under 44×44 CSS px. Exempt: a link
  inside running text (WCAG 2.5.8 "inline"), visually hidden elements (screen-reader-only
  text, the skip link until focused).
- console / request: a console error, an uncaught exception, a failed request, or a response
  of 400 or more, on the page where it happened.

Screenshots for the README gallery go to the screenshot directory (`make screenshots` sets
SCREENSHOT_DIR=docs/screenshots) under stable names: home, report, nearby, canteen,
apartments, points (Chinese) and home-en (English); viewport-sized, as a phone shows them.
"""

import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import _code_from
from tests.factories import (
    DepartmentFactory,
    ReportFactory,
    RiderFactory,
    StaffFactory,
    canteen_with_meal,
    category,
    course_with_sessions,
    jpeg_bytes,
    merchant,
    photo_upload,
    qingdao_district,
)
from tests.pages import reopened_voucher_honour_apartment

pytestmark = pytest.mark.browser

CHECKS = (Path(__file__).parent / "walk_checks.js").read_text()
HERE = {"latitude": 36.1451, "longitude": 120.4329, "accuracy": 15}  # Licang, by Wanda
CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
# Latin words that belong in Chinese text: units and file types riders see on their phones.
LATIN_ALLOWED = {"km", "kg", "KB", "MB", "GB", "GPS", "App", "APP", "ID", "PDF", "JPG", "JPEG"}
LATIN_ALLOWED |= {"PNG", "HEIC", "WiFi", "Wi-Fi"}

# What people typed, and proper names: the only database text a page may show untranslated.
DATA_FIELDS = {
    "core.User": ["first_name", "last_name"],
    "core.City": ["name"],
    "core.District": ["name", "alias"],
    "core.Notification": ["title", "body"],  # only typed text is stored (core/models.py)
    "riders.Rider": ["rider_number", "name", "station"],
    "apartments.Facility": ["name"],
    "apartments.Apartment": ["name", "address"],
    "apartments.RoomType": ["name"],
    "apartments.Room": ["number"],
    "apartments.Bed": ["label"],
    "apartments.Application": ["note"],
    "apartments.ChecklistItem": ["name"],
    "canteen.Canteen": ["name", "operator", "address"],
    "canteen.SetMeal": ["name", "description"],
    "canteen.MealOrder": ["pickup_code"],
    "governance.Role": ["name"],
    "governance.Category": ["name"],
    "governance.Department": ["name"],
    "governance.Report": ["public_id", "description", "address", "reply"],
    "governance.ReportEvent": ["note"],  # a system note is note_kind + params, not this
    "governance.FixAnswer": ["comment"],
    "governance.ReportQuestion": ["text", "answer"],
    "governance.TransferRequest": ["reason", "decision_note"],
    "subsidies.InsuranceType": ["name"],
    "subsidies.Claim": ["reason"],
    "subsidies.Adjustment": ["reason"],
    "rewards.LedgerEntry": ["reason"],  # an admin's adjustment; awards leave it empty
    "rewards.Benefit": ["name", "description", "provider"],
    "rewards.Redemption": ["code"],
    "rewards.Honour": ["title", "story"],
    "merchants.Merchant": ["name", "address", "discount_note"],
    "growth.Course": ["title", "description", "provider"],
    "growth.Session": ["place", "online_link"],
    "growth.Enrolment": ["certificate_code"],
    "volunteering.Team": ["name", "description"],
    "volunteering.Activity": ["title", "place"],
}


def data_strings(language: str) -> list[str]:
    """The DATA_FIELDS values now in the database that may appear as they are in `language`,
    longest first (so a name is removed before a shorter name inside it)."""
    values: set[str] = set()
    english = language == "en"
    for label, fields in DATA_FIELDS.items():
        model = apps.get_model(label)
        names = {f.name for f in model._meta.concrete_fields}
        twins = [f"{field}_en" for field in fields if f"{field}_en" in names]
        for row in model.objects.values(*fields, *twins):
            for field in fields:
                twin = row.get(f"{field}_en") or ""
                values.add(twin if english and twin else row[field] or "")
    # A one-letter bed label ("A") would hide nothing worth hiding and strip every "A".
    return sorted((v.strip() for v in values if len(v.strip()) >= 2), key=len, reverse=True)


def other_language(text: str, *, language: str, data: list[str]) -> list[str]:
    """The runs of `text` in the other language once data has been taken out."""
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    if language == "en":
        return CJK.findall(text)
    return [word for word in LATIN_WORD.findall(text) if word not in LATIN_ALLOWED]


class Walk:
    """Opens pages, judges each, and keeps every finding for one readable failure at the end."""

    def __init__(self, page, base_url: str, language: str, screenshot_dir: Path) -> None:
        self.page, self.base_url, self.language = page, base_url, language
        self.screenshot_dir = screenshot_dir
        self.findings: dict[str, list[str]] = defaultdict(list)
        self.where = "(before the first page)"
        self.judged: list[str] = []
        # Errors belong to the page being loaded, from its first request on.
        page.on("framenavigated", self._navigated)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self._note("console", f"uncaught: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.where = frame.url.removeprefix(self.base_url)

    def _note(self, kind: str, what: str) -> None:
        self.findings[self.where].append(f"{kind}: {what}")

    def _console(self, message) -> None:
        if message.type == "error":
            self._note("console", message.text)

    def _request_failed(self, request) -> None:
        self._note("request", f"{request.method} {request.url} failed: {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self._note("request", f"{response.request.method} {response.url} → {response.status}")

    def visit(self, path: str, *, shot: str | None = None) -> None:
        self.page.goto(f"{self.base_url}{path}")
        self.judge(shot=shot)

    def judge(self, *, shot: str | None = None) -> None:
        """Judge the page now shown (after a form sent the browser there, say)."""
        page = self.page
        page.wait_for_load_state("networkidle")
        self.where = page.url.removeprefix(self.base_url)
        self.judged.append(self.where)
        result = page.evaluate(CHECKS)
        expected = "zh-Hans" if self.language == "zh-hans" else "en"
        if result["lang"] != expected:
            self._note("language", f'<html lang="{result["lang"]}">, not "{expected}"')
        data = data_strings(self.language)
        for item in result["texts"]:
            if runs := other_language(item["text"], language=self.language, data=data):
                self._note("language", f"{' '.join(runs)!r} in {item['where']}: {item['text']!r}")
        for what in result["overflow"]:
            self._note("overflow", what)
        for what in result["small"]:
            self._note("tap target", what)
        if shot:
            page.screenshot(path=str(self.screenshot_dir / f"{shot}.png"), animations="disabled")

    def submit(self, form: str) -> None:
        """Send the form matching the selector `form` with its submit button."""
        self.page.locator(form).locator("[type=submit]").last.click()

    def report(self) -> str:
        lines = []
        for where, found in self.findings.items():
            lines.append(f"{where} ({len(found)}):")
            counted = Counter(found)  # the same card twice on a page is one finding, ×2
            lines += [f"    {line}" + (f" (×{n})" if n > 1 else "") for line, n in counted.items()]
        return "\n".join(lines)


def a_riders_day(rider) -> dict[str, int]:
    """Something on every page a rider opens: a report answered and confirmed with its reward,
    one reopened as "not fixed", points with an admin's reason, a voucher, an honour, an inbox
    message, nearby places open now and all night, last month's subsidy claim, a course the
    rider is on, a volunteer team with an activity the rider signed up for, an apartment and a
    canteen (the rider applies and orders in the browser). Returns the ids of the pages with one."""
    from governance import workflow
    from governance.models import RoutingRule
    from growth.services import enrolment_create
    from rewards import services as rewards
    from subsidies.models import InsuranceType
    from subsidies.services import claim_file
    from volunteering.models import Activity, Team
    from volunteering.services import sign_up

    department = DepartmentFactory(name="李沧区住建局", name_en="Licang Housing Bureau")
    RoutingRule.objects.create(category=category("stairwell-clutter"), department=department)
    report = workflow.route(ReportFactory(rider=rider), department=department)
    workflow.resolve(report, department=department, reply="已通知物业清理，楼道畅通")
    rewards.report_awards_grant(report_id=report.pk)
    rewards.points_adjust(
        rider=rider, points=100, reason="雨夜救人奖励", by=StaffFactory(first_name="李")
    )
    _reopened, benefit, _apartment = reopened_voucher_honour_apartment(rider, department=department)
    merchant(name="近处的便利店", lat="36.146000", open_24h=True, discount_note="骑手九折")
    merchant(name="晚上开的店", lat="36.147000", hours=(("daily", "23:00", "23:30"),))
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    claim_file(
        rider=rider,
        month=last_month,
        amounts={InsuranceType.objects.get(code="pension"): Decimal("520")},
        proof=photo_upload(),
    )
    enrolment_create(rider=rider, course_id=course_with_sessions().pk)
    course_with_sessions(title="骑手急救课")  # one more to enrol in
    canteen_with_meal()
    team = Team.objects.create(
        name="李沧骑手志愿队", leader=RiderFactory(name="张队长"), founded_on=dt.date(2022, 1, 1)
    )
    activity = Activity.objects.create(
        team=team,
        title="敬老院探访",
        date=timezone.localdate() + dt.timedelta(days=3),
        place="李村敬老院",  # not a district's name: data must not hide a district's
        hours=Decimal("3.0"),
        capacity=5,
    )
    sign_up(rider=rider, activity_id=activity.pk)
    return {"benefit": benefit.pk, "team": team.pk}


@pytest.fixture
def phone(transactional_db, browser, browser_context_args):
    """A phone in Licang that lets the portal know where it is."""
    context = browser.new_context(
        **browser_context_args, geolocation=HERE, permissions=["geolocation"]
    )
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_riders_day_speaks_one_language_and_fits_the_phone(
    language, phone, live_server, sms_outbox, screenshot_dir
):
    rider = RiderFactory(name="王小骑", district=qingdao_district("李沧区"), station="李沧万达站")
    day = a_riders_day(rider)
    walk = Walk(phone, live_server.url, language, screenshot_dir)
    page = phone
    english = language == "en"

    # Sign in by the phone code, in the language chosen on the sign-in page's switch.
    if english:
        page.goto(f"{live_server.url}/sign-in/")
        page.locator("form.lang button[value=en]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        walk.judge()
    else:
        walk.visit("/sign-in/")
    page.locator("input[name=phone]:not([type=hidden])").fill(rider.phone)
    walk.submit("form:has(input[name=phone]:not([type=hidden]))")
    page.wait_for_url("**/sign-in/code/")
    walk.judge()
    page.locator("input[name=code]").fill(_code_from(sms_outbox[-1].text))
    walk.submit("form:has(input[name=code])")
    page.wait_for_url(f"{live_server.url}/")
    walk.judge(shot="home-en" if english else "home")

    for path in ("/services/", "/me/", "/me/inbox/", "/me/sms/"):
        walk.visit(path)
    walk.visit("/nearby/", shot=None if english else "nearby")
    walk.visit(f"/nearby/?service=toilet&lat={HERE['latitude']}&lng={HERE['longitude']}")

    # A report: photo, words, the phone's position; then the rider follows it.
    walk.visit("/report/")
    page.locator("select[name=category]").select_option(value=str(category().pk))
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "stairs.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    page.locator("textarea[name=description]").fill("三楼楼道堆满纸箱，挡住了通道")
    page.locator("[data-locate]").click()
    expect(page.locator("[name=latitude]")).not_to_have_value("")
    walk.judge(shot=None if english else "report")
    walk.submit("form[data-report-form]")
    page.wait_for_url(re.compile(r".*/reports/R\w+/$"))
    filed = page.url.removeprefix(live_server.url)
    walk.judge()
    walk.visit("/reports/")
    walk.visit(filed)
    answered = rider.reports.exclude(public_id=filed.split("/")[2]).order_by("pk")
    for report in answered:
        walk.visit(f"/reports/{report.public_id}/")

    # A bed: the list, the application, the place in line.
    walk.visit("/apartments/", shot=None if english else "apartments")
    walk.visit("/apartments/apply/")
    page.locator("input[name=apartments]").first.check()
    walk.submit("form:has(input[name=apartments])")
    page.wait_for_url("**/apartments/mine/")
    walk.judge()

    # Lunch: the canteens, a set meal ordered, the pick-up code.
    walk.visit("/canteens/", shot=None if english else "canteen")
    page.locator("main a[href*='/canteens/meals/']").first.click()
    page.wait_for_url("**/canteens/meals/**")
    walk.judge()
    walk.submit("form:has([data-place-order])")
    page.wait_for_url("**/canteens/orders/")
    walk.judge()

    walk.visit("/points/", shot=None if english else "points")
    for path in ("/benefits/", "/honours/", "/redemptions/"):
        walk.visit(path)
    walk.visit(f"/benefits/{day['benefit']}/")
    for path in ("/subsidy/new/", "/subsidy/", "/courses/", "/courses/mine/", "/volunteering/"):
        walk.visit(path)
    walk.visit(f"/volunteering/teams/{day['team']}/")
    walk.visit("/")

    assert len(walk.judged) >= 30, walk.judged  # the walk reached its end
    assert not walk.findings, f"{language}: findings on {len(walk.findings)} pages\n{walk.report()}"
