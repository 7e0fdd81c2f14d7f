"""Every admin page speaks the staff member's language: in the Chinese admin no column header,
field label, filter title or fieldset name is left in English and no raw choice value
(`regular`, `routed`) stands where its label belongs; the English admin has no Chinese labels.

Each registered ModelAdmin's changelist, add form and one change form are rendered for the
demo's superuser over the demo data (`seed_demo`), so list columns and read-only fields show
real values."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from core.demo import DEMO_ADMIN_USERNAME, DEMO_STAFF
from core.models import User

pytestmark = pytest.mark.django_db

# Words that stay ASCII in a Chinese label, each for a reason. Anything else with a Latin
# letter in a label is an untranslated string.
ALLOWED_ASCII = {
    "API": "the department API is called so in the documents departments read",
    "ID": "an identifier, as staff see it on the platforms' own screens",
    "SMS": "the gateway's kind of message, as on the SMS providers' bills",
    "TOTP": "the two-factor standard's name, shown by authenticator apps",
    "Open311": "the name of the standard the city's report API follows",
    "URL": "a web address, written so on Chinese admin screens too",
    "Webhook": "the name departments' developers search for",
    "CSV": "a file format's name, as the payment system's import screen calls it",
}
# Admins that third-party packages register, with their own catalogues and no Simplified
# Chinese in them (django-otp, django-axes, django-auditlog; django-celery-beat's is partial),
# some labels not even marked for translation ("QR Code"). Translating them is a catalogue of
# their own, not a fix in our apps: left out here, each named.
THIRD_PARTY_ADMINS = {
    "auditlog": "django-auditlog: ja and ko only",
    "axes": "django-axes: no zh_Hans",
    "django_celery_beat": "django-celery-beat: zh_Hans lacks the admin's fieldsets",
    "otp_totp": "django-otp: no zh_Hans, 'QR Code' not marked",
}
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


class AdminPage(HTMLParser):
    """What a reader sees as names on an admin page (labels) and as shown values (values)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.labels: list[tuple[str, str]] = []  # (where, text)
        self.values: list[tuple[str, str]] = []  # (field name, text)
        self._open: list[tuple[str, str, list[str]]] = []  # (tag, kind, text parts)
        self._stack: list[tuple[str, set[str], str]] = []  # (tag, classes, id)
        self._fields: list[str] = []  # the field each open element shows, from `field-NAME`

    def _field_name(self) -> str:
        for _, classes, _ in reversed(self._stack):
            for c in classes:
                if c.startswith("field-"):
                    return c.removeprefix("field-")
        return ""

    def _inside(self, *, tag: str | None = None, cls: str | None = None, id_: str | None = None):
        return any(
            (tag is None or t == tag) and (cls is None or cls in c) and (id_ is None or i == id_)
            for t, c, i in self._stack
        )

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if tag == "details" and attrs.get("data-filter-title"):
            self.labels.append(("filter title", attrs["data-filter-title"]))
        kind = None
        if self._inside(id_="nav-sidebar") or self._inside(tag="select"):
            pass  # the app list names models (checked on their own pages); options are values
        elif tag == "th" and self._inside(tag="thead"):
            kind = "column header"
        elif tag == "label" and not self._inside(id_="changelist-filter"):
            kind = "field label"
        elif tag in {"h2", "h3"} and classes & {"fieldset-heading", "inline-heading"}:
            kind = "fieldset name"
        elif (tag == "div" and "readonly" in classes) or (
            tag in {"td", "th"} and self._inside(tag="tbody")
        ):
            kind = "value"
        if tag not in {"input", "img", "br", "hr", "meta", "link"}:
            self._stack.append((tag, classes, attrs.get("id") or ""))
            if kind:
                self._open.append((tag, kind, []))
                self._fields.append(self._field_name())

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            _, kind, parts = self._open.pop()
            field = self._fields.pop()
            text = " ".join("".join(parts).split()).rstrip(":：")
            if text and kind == "value":
                self.values.append((field, text))
            elif text:
                self.labels.append((kind, text))
        while self._stack:
            if self._stack.pop()[0] == tag:  # an unclosed <p> or <li> ends with its parent
                break

    def handle_data(self, data):
        if self._open and not self._inside(tag="select"):
            self._open[-1][2].append(data)


def raw_choice_values() -> dict[str, set[str]]:
    """Field name → its stored choice values made of words (`tier`: `regular`, `honour`), over
    every model: a column or read-only field of that name showing one shows a raw value (a list
    method named after the field, a timeline's `from_status` for the report's `status`)."""
    raw: dict[str, set[str]] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z_]+", value):
                    raw.setdefault(field.name, set()).add(value)
    return raw


def english_words(text: str) -> list[str]:
    return [w for w in ASCII_WORD.findall(text) if w not in ALLOWED_ASCII]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def admin_pages(model):
    """The changelist, the add form and the first object's change form (when one exists)."""
    yield admin_url(model, "changelist")
    yield admin_url(model, "add")
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        yield admin_url(model, "change", obj.pk)


@pytest.fixture
def demo_superuser(settings):
    settings.DEBUG = True  # seed_demo refuses to run in production
    call_command("seed_demo", stdout=io.StringIO())
    return User.objects.get(username=DEMO_ADMIN_USERNAME)


def render_all(client, language):
    """{url: parsed page} for every registered ModelAdmin, in `language`."""
    pages = {}
    for model in admin.site._registry:
        if model._meta.app_label in THIRD_PARTY_ADMINS:
            continue
        for url in admin_pages(model):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            if response.status_code == 403:  # e.g. an add form of a model only services write
                continue
            assert response.status_code == 200, (url, response.status_code)
            page = AdminPage()
            page.feed(response.content.decode())
            pages[url] = page
    return pages


def test_the_chinese_admin_has_no_english_labels_and_no_raw_choice_values(client, demo_superuser):
    client.force_login(demo_superuser)
    pages = render_all(client, "zh-hans")
    assert len(pages) > 2 * len(admin.site._registry)  # changelists, forms and objects rendered
    raw = raw_choice_values()
    every_raw = set().union(*raw.values())
    english = sorted(
        {
            f"{url} {where}: {text!r}"
            for url, page in pages.items()
            for where, text in page.labels
            if english_words(text)
        }
    )
    shown_raw = sorted(
        {
            f"{url} {field}: {value!r}"
            for url, page in pages.items()
            for field, value in page.values
            if value in raw.get(field, every_raw if field.endswith("status") else ())
        }
    )
    assert not english + shown_raw, "\n".join(
        [
            "untranslated admin labels:",
            *english,
            "raw choice values where labels belong:",
            *shown_raw,
        ]
    )


def test_the_english_admin_has_no_chinese_labels(client, demo_superuser):
    client.force_login(demo_superuser)
    pages = render_all(client, "en")
    chinese = sorted(
        {
            f"{url} {where}: {text!r}"
            for url, page in pages.items()
            for where, text in page.labels
            if CJK.search(text)
        }
    )
    assert not chinese, "Chinese labels in the English admin:\n" + "\n".join(chinese)


def shown(client, url, language) -> dict[str, list[str]]:
    page = AdminPage()
    page.feed(client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode())
    values: dict[str, list[str]] = {}
    for field, value in page.values:
        values.setdefault(field, []).append(value)
    return values


@pytest.mark.parametrize(
    ("model_label", "language", "shown_as"),
    [
        ("subsidies.Claim", "zh-hans", "{0.year}年{0.month}月"),
        ("subsidies.Claim", "en", "{0:%B} {0.year}"),
        ("rewards.Honour", "zh-hans", "{0.year}年{0.month}月"),
    ],
)
def test_months_read_as_months_not_as_their_first_day(
    client, demo_superuser, model_label, language, shown_as
):
    """A claim's (a top reporter's) month is stored as its first day: shown as the month."""
    client.force_login(demo_superuser)
    model = apps.get_model(model_label)
    obj = model._default_manager.filter(month__isnull=False).order_by("pk").first()
    change = shown(client, admin_url(model, "change", obj.pk), language)
    assert change["month_label"] == [shown_as.format(obj.month)]
    if "month_label" in admin.site._registry[model].list_display:
        listed = shown(client, admin_url(model, "changelist"), language)
        months = {
            shown_as.format(m) for m in model._default_manager.values_list("month", flat=True)
        }
        assert listed["month_label"] and set(listed["month_label"]) <= months


def test_demo_staff_are_greeted_by_a_persons_name(client, demo_superuser):
    for username in [DEMO_ADMIN_USERNAME, *DEMO_STAFF]:
        user = User.objects.get(username=username)
        client.force_login(user)
        page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        greeting = re.search(r'<div id="user-tools">.*?<strong>(.*?)</strong>', page, re.S)
        assert greeting, username
        assert CJK.search(greeting.group(1)), (username, greeting.group(1))
