"""Messages as data (STYLE.md 14): a stored kind and its parameters, rendered when read.

A system message (an inbox notification, a note on a report's timeline) is stored as its kind
and JSON parameters, never as finished text, and rendered in the language of the request that
reads it — so switching language switches history too, and one reader never sees the language
of whoever caused the message. Text a person typed (a department's reply, a dispatcher's reason)
is stored as typed and shown as is.

Each app declares its messages as module-level constants in its own `messages.py`; creating a
Message registers it, and CoreConfig.ready() imports every app's `messages` module, so a kind
stored by any app renders in any process without core importing that app.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import get_language

Params = dict[str, Any]

_registry: dict[str, "Message"] = {}


@dataclass(frozen=True)
class Message:
    """A kind of system message: its title and body (lazy translations with %(name)s params).

    `prepare` turns the stored params into the values the texts need, at render time and in the
    reader's language (e.g. "¥5.00 and 10 points" from the stored amount and points).
    """

    kind: str
    title: str | Promise = ""
    body: str | Promise = ""
    prepare: Callable[[Params], Params] | None = None

    def __post_init__(self) -> None:
        _registry[self.kind] = self

    def render_title(self, params: Mapping[str, Any] | None = None) -> str:
        return self._render(self.title, params)

    def render_body(self, params: Mapping[str, Any] | None = None) -> str:
        return self._render(self.body, params)

    def _render(self, text: str | Promise, params: Mapping[str, Any] | None) -> str:
        if not text:
            return ""
        values = _Values({key: localized(value) for key, value in (params or {}).items()})
        if self.prepare is not None:
            values = _Values(self.prepare(values))
        try:
            return str(text) % values
        except (TypeError, ValueError):
            # Params of an older shape than the text: the text without them beats a 500.
            return str(text)


class _Values(dict):
    # A param missing from an older row renders empty rather than failing the page.
    def __missing__(self, key: str) -> str:
        return ""


def message_for(kind: str) -> Message | None:
    return _registry.get(kind)


def render_title(kind: str, params: Mapping[str, Any] | None = None) -> str:
    """The title of a stored message in the active language; "" for an unknown kind."""
    message = _registry.get(kind)
    return message.render_title(params) if message else ""


def render_body(kind: str, params: Mapping[str, Any] | None = None) -> str:
    message = _registry.get(kind)
    return message.render_body(params) if message else ""


def names(thing: Any) -> dict[str, str]:
    """The Chinese and English names of a BilingualName row, as a param rendered per reader.

    Both names are stored, so a list of messages renders without a query per row.
    """
    return bilingual(zh=thing.name, en=getattr(thing, "name_en", "") or "")


def bilingual(*, zh: str, en: str = "") -> dict[str, str]:
    return {settings.LANGUAGE_CODE: zh, "en": en or zh}


def localized(value: Any) -> Any:
    """A bilingual param (see names()) in the active language; anything else unchanged."""
    if isinstance(value, dict) and settings.LANGUAGE_CODE in value:
        language = get_language() or settings.LANGUAGE_CODE
        wanted = "en" if language.startswith("en") else settings.LANGUAGE_CODE
        return value.get(wanted) or value[settings.LANGUAGE_CODE]
    return value
