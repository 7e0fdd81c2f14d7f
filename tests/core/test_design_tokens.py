"""The design system's colours (static/css/portal.css) meet WCAG AA in the light and the dark
scheme: every text colour on each background it is used on, 4.5:1; borders and the focus ring
that carry meaning, 3:1 (WCAG 1.4.11). The browser check (tests/browser/test_pwa.py and
test_accessibility.py) measures the rendered pages; this one names the pairs and says which
token to fix."""

import re
from pathlib import Path

import pytest
from django.conf import settings

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text()

TEXT_PAIRS = [
    ("text", "bg"),
    ("text", "surface"),
    ("text", "surface-2"),
    ("text", "code-bg"),
    ("muted", "bg"),
    ("muted", "surface"),
    ("brand-ink", "bg"),
    ("brand-ink", "surface"),
    ("on-brand", "brand"),
    ("on-brand", "top"),
    ("ok", "surface"),
    ("ok", "ok-bg"),
    ("warn", "surface"),
    ("warn", "warn-bg"),
    ("danger", "surface"),
    ("danger", "danger-bg"),
    ("info", "info-bg"),
    ("neutral", "neutral-bg"),
    ("gold", "surface"),
    ("gold", "gold-bg"),
    ("violet", "violet-bg"),
]
NON_TEXT_PAIRS = [("field", "surface"), ("focus", "bg"), ("focus", "surface"), ("brand", "surface")]


def tokens(block: str) -> dict[str, str]:
    return dict(re.findall(r"--c-([a-z0-9-]+):\s*(#[0-9a-fA-F]{3,6})\b", block))


def schemes() -> dict[str, dict[str, str]]:
    light = tokens(CSS[CSS.index(":root {") : CSS.index("}", CSS.index(":root {"))])
    start = CSS.index("@media (prefers-color-scheme: dark)")
    dark_root = CSS.index(":root {", start)
    dark = {**light, **tokens(CSS[dark_root : CSS.index("}", dark_root)])}
    return {"light": light, "dark": dark}


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_the_contrast_formula():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#767676", "#fff") == pytest.approx(4.54, abs=0.01)


def test_both_schemes_define_every_colour_used_here():
    light = schemes()["light"]
    used = {name for pair in TEXT_PAIRS + NON_TEXT_PAIRS for name in pair}
    assert used <= set(light)
    dark_only = tokens(CSS[CSS.index("@media (prefers-color-scheme: dark)") :])
    assert set(light) == set(dark_only)  # dark mode sets every colour, none left to chance


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_colours_meet_aa(scheme):
    colours = schemes()[scheme]
    low = {
        f"{fg} on {bg}": round(contrast(colours[fg], colours[bg]), 2)
        for fg, bg in TEXT_PAIRS
        if contrast(colours[fg], colours[bg]) < 4.5
    }
    assert low == {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_borders_and_focus_meet_three_to_one(scheme):
    colours = schemes()[scheme]
    low = {
        f"{fg} on {bg}": round(contrast(colours[fg], colours[bg]), 2)
        for fg, bg in NON_TEXT_PAIRS
        if contrast(colours[fg], colours[bg]) < 3
    }
    assert low == {}
