"""No personal data in logs (issue 20): every configured handler masks mainland mobile
numbers, resident ID numbers and e-mail addresses in a record's message, args, `extra=` values
and exception text; Django's error e-mails mask the traceback they build too."""

import io
import logging

import pytest
from django.conf import settings
from django.core import mail

from core.logging import MaskedExceptionReporter, RedactPersonalData, mask_personal_data

PHONE, PHONE_MASKED = "13812345678", "138****5678"
ID_NUMBER, ID_MASKED = "37020219900101123X", "370***********123X"
EMAIL, EMAIL_MASKED = "zhang.san@example.com", "z***@example.com"


@pytest.fixture
def captured():
    """A logger whose one handler has the filter, as settings.LOGGING configures them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPersonalData())
    handler.setFormatter(logging.Formatter("%(message)s|%(note)s"))
    logger = logging.getLogger("tests.log_masking")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def test_phone_id_and_email_in_the_message_and_args_are_masked(captured):
    logger, stream = captured
    logger.warning(
        "rider %s (ID %s) wrote from " + EMAIL, PHONE, ID_NUMBER, extra={"note": f"call {PHONE}"}
    )
    line = stream.getvalue()
    assert line.strip() == (
        f"rider {PHONE_MASKED} (ID {ID_MASKED}) wrote from {EMAIL_MASKED}|call {PHONE_MASKED}"
    )


def test_the_exception_text_is_masked(captured):
    logger, stream = captured
    try:
        raise ValueError(f"no rider {PHONE} / {ID_NUMBER} / {EMAIL}")
    except ValueError:
        logger.exception("import failed", extra={"note": ""})
    text = stream.getvalue()
    assert "ValueError: no rider" in text
    assert PHONE_MASKED in text and ID_MASKED in text and EMAIL_MASKED in text
    assert PHONE not in text and ID_NUMBER not in text and EMAIL not in text


@pytest.mark.parametrize(
    "text",
    [
        "order 1234567890123456789",  # 19 digits: not an ID
        "id 12345678901234567",  # 17 digits
        "2026-12-04 19:00:00",
        "event 0013812345678",  # a phone inside a longer number
        "user@localhost",  # no dot in the domain: not an address we mask
    ],
)
def test_what_is_not_personal_data_is_left_alone(text):
    assert mask_personal_data(text) == text


def test_lowercase_x_ids_and_ids_with_letters_around():
    assert mask_personal_data("37020219900101123x") == "370***********123x"
    assert mask_personal_data("A37020219900101123X") == "A37020219900101123X"


def test_every_configured_handler_has_the_filter():
    config = settings.LOGGING
    for name, handler in config["handlers"].items():
        assert "redact" in handler.get("filters", []), name
    assert config["filters"]["redact"]["()"] == "core.logging.RedactPersonalData"
    # And the live handlers: the root's and those put on Django's own loggers.
    live = [
        *logging.getLogger().handlers,
        *logging.getLogger("django").handlers,
        *logging.getLogger("django.server").handlers,
    ]
    live = [h for h in live if type(h).__module__ != "_pytest.logging"]  # caplog's own
    assert live
    for handler in live:
        assert any(isinstance(f, RedactPersonalData) for f in handler.filters), handler


def test_an_error_email_to_admins_masks_the_traceback(settings, rf):
    settings.ADMINS = [("ops", "ops@example.org")]
    settings.DEBUG = False

    def sign_in(phone, id_number):
        raise RuntimeError("gateway down")

    try:
        sign_in(PHONE, ID_NUMBER)
    except RuntimeError:
        # The text traceback shows the request's POST data (the HTML one the locals too).
        request = rf.post("/sign-in/", {"phone": PHONE, "id_number": ID_NUMBER})
        logging.getLogger("django.request").error(
            "Internal Server Error: /sign-in/", exc_info=True, extra={"request": request}
        )
    (message,) = mail.outbox
    assert "gateway down" in message.body  # the traceback is there
    assert PHONE_MASKED in message.body and ID_MASKED in message.body
    assert PHONE not in message.body and ID_NUMBER not in message.body


def test_the_reporter_masks_text_and_html(rf):
    request = rf.post("/sign-in/", {"phone": PHONE})
    try:
        id_number = ID_NUMBER  # noqa: F841 (a local the HTML traceback shows)
        raise RuntimeError(EMAIL)
    except RuntimeError as error:
        reporter = MaskedExceptionReporter(request, type(error), error, error.__traceback__)
    assert ID_MASKED in reporter.get_traceback_html()
    for text in (reporter.get_traceback_text(), reporter.get_traceback_html()):
        assert PHONE not in text and EMAIL not in text and ID_NUMBER not in text
        assert PHONE_MASKED in text and EMAIL_MASKED in text
