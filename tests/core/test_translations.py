"""Chinese is the default language: every string is translated and the committed .mo is current."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from tests.conftest import ROOT, gettext_available, require_service

PO_FILES = sorted(ROOT.glob("locale/*/LC_MESSAGES/*.po"))


def _entries(catalogue) -> dict:
    return {
        (e.msgctxt, e.msgid, e.msgid_plural): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in catalogue
        if not e.obsolete and "fuzzy" not in e.flags
    }


def test_there_is_a_chinese_catalogue():
    assert ROOT / "locale/zh_Hans/LC_MESSAGES/django.po" in PO_FILES


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_po_has_no_untranslated_or_fuzzy_entries(po_path: Path):
    catalogue = polib.pofile(str(po_path))
    assert not [e.msgid for e in catalogue.untranslated_entries()]
    assert not [e.msgid for e in catalogue.fuzzy_entries()]


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_mo_is_compiled_from_the_current_po(po_path: Path):
    # Compared by content, not mtime: a fresh clone gives both files arbitrary mtimes.
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `make messages` and commit it"
    assert _entries(polib.mofile(str(mo_path))) == _entries(polib.pofile(str(po_path))), (
        f"{mo_path.name} is older than {po_path.name}: run `make messages` and commit both"
    )


def test_every_translatable_string_in_the_code_is_in_the_catalogue(tmp_path):
    """makemessages on a copy of the tree finds nothing that the committed .po lacks."""
    require_service(gettext_available(), "GNU gettext (xgettext, msgfmt)")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", "var", ".git", "node_modules", "__pycache__", "*.mo", "docs", "bench"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "zh_Hans",
            "--no-obsolete",
            "--ignore",
            ".venv/*",
            "--ignore",
            "var/*",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))
    committed = polib.pofile(str(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"))
    new = {e.msgid for e in fresh} - {e.msgid for e in committed}
    assert not new, f"untranslated strings, run `make messages` and translate: {sorted(new)}"


@pytest.mark.django_db
def test_chinese_is_the_default_and_english_is_available(client, settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    response = client.get("/sign-in/")
    assert "手机号登录" in response.content.decode()
    response = client.get("/sign-in/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Sign in with your phone" in response.content.decode()
