"""Proof of payment: a photo (checked and re-encoded like report photos) or a real PDF."""

import io
import logging

import pikepdf
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.photos import PhotoError, process_photo

MAX_PDF_BYTES = 5 * 1024 * 1024
# A 200-page bank statement has a few thousand objects; 5 MB of tiny compressed objects can hold
# half a million, which would take seconds to walk (measured: 300,000 objects, 2.3 s).
MAX_PDF_OBJECTS = 50_000

logger = logging.getLogger(__name__)

# What a proof of payment never needs and a PDF viewer would act on: scripts, programs to launch,
# files inside the file, Flash/3D content, XFA forms (scripted). Compared as parsed names, so
# `/J#53` (an escaped /JS) or a name inside a compressed object stream is found too.
_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/RichMediaContent", "/XFA"}
)
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/GoToE", "/RichMediaExecute"})
_ACTIVE_KINDS = frozenset({"/EmbeddedFile", "/RichMedia", "/FileAttachment", "/3D"})


class ProofError(DomainError):
    code = "invalid_proof"


class _TooComplex(Exception):
    pass


def check_pdf(data: bytes, name: str) -> None:
    """A real PDF: the header, a cross-reference and the end-of-file marker, not encrypted,
    readable by qpdf, and without active content (scripts, launch actions, attached files)."""
    if len(data) > MAX_PDF_BYTES:
        raise ProofError(
            _("%(name)s is larger than 5 MB.") % {"name": name}, code="proof_too_large"
        )
    tail = data[-2048:]
    if not data.startswith(b"%PDF-1.") and not data.startswith(b"%PDF-2."):
        raise ProofError(_("%(name)s is not a PDF.") % {"name": name}, code="proof_not_pdf")
    damaged = ProofError(
        _("%(name)s is damaged or incomplete. Save it again and retry.") % {"name": name},
        code="proof_damaged",
    )
    encrypted = ProofError(
        _("%(name)s is password-protected. Upload it without a password.") % {"name": name},
        code="proof_encrypted",
    )
    if b"%%EOF" not in tail or (b"startxref" not in tail and b"/XRef" not in data):
        raise damaged
    if b"/Encrypt" in data:
        raise encrypted
    try:
        # Recovery on: phones and bank apps write slightly broken cross-references that every
        # viewer repairs. What qpdf cannot read at all is refused, never passed on unchecked.
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise encrypted
            found = _active_content(pdf)
    except pikepdf.PasswordError as error:
        raise encrypted from error
    except (pikepdf.PdfError, RecursionError, ValueError) as error:
        raise damaged from error
    except _TooComplex as error:
        raise ProofError(
            _(
                "%(name)s is too complex to check. Print it to a new PDF or take a photo of it, "
                "and upload that."
            )
            % {"name": name},
            code="proof_too_complex",
        ) from error
    if found:
        logger.info("Refused a PDF proof carrying %s", found)
        raise ProofError(
            _(
                "%(name)s contains scripts, attached files or automatic actions. Print it to a "
                "new PDF or take a photo of it, and upload that."
            )
            % {"name": name},
            code="proof_active_content",
        )


def _active_content(pdf: pikepdf.Pdf) -> str | None:
    """The first active feature anywhere in the file, or None; _TooComplex past
    MAX_PDF_OBJECTS (checked on the trailer's /Size before anything is loaded, then counted).

    Every object of the file is looked at, reachable or not, including those packed in
    compressed object streams (qpdf unpacks them), and the direct objects nested in each: so
    the catalogue's /OpenAction and /Names (/JavaScript, /EmbeddedFiles), /AA additional
    actions, annotations' /A actions and the /AcroForm's /XFA are all covered without
    following a reference twice. The walk uses a stack, not recursion: nesting is hostile input.
    """
    declared = pdf.trailer.get("/Size")
    if isinstance(declared, int) and declared > MAX_PDF_OBJECTS:
        raise _TooComplex
    stack: list = [pdf.trailer, *pdf.objects]
    if len(stack) > MAX_PDF_OBJECTS + 1:  # the /Size understated the objects
        raise _TooComplex
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            for key in obj.keys():  # noqa: SIM118 (a pikepdf Dictionary, not a dict)
                if key in _ACTIVE_KEYS:
                    return key
                value = obj[key]
                if isinstance(value, pikepdf.Name):
                    if key == "/S" and str(value) in _ACTIVE_ACTIONS:
                        return f"/S {value}"
                    if key in {"/Type", "/Subtype"} and str(value) in _ACTIVE_KINDS:
                        return f"{key} {value}"
                elif key == "/URI" and isinstance(value, pikepdf.String):
                    if bytes(value).strip().lower().startswith(b"javascript:"):
                        return "/URI javascript:"
                elif _nested(value):
                    stack.append(value)
        elif isinstance(obj, pikepdf.Array):
            stack.extend(item for item in obj if _nested(item))
    return None


def _nested(value) -> bool:
    """A dictionary or array written inside its parent; referenced objects are walked once,
    from the object list. (pikepdf hands numbers and booleans back as Python values.)"""
    return isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect


class CheckedProof(ContentFile):
    """A proof `process_proof` has checked (and re-encoded, for a photo): the claim form checks
    the upload with the other fields, and the service does not do it a second time."""


def process_proof(upload) -> CheckedProof:
    """The stored file: the PDF as uploaded, or the photo re-encoded without EXIF."""
    if isinstance(upload, CheckedProof):
        return upload
    name = getattr(upload, "name", "") or _("proof")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        data = upload.read()
        check_pdf(data, name)
        return CheckedProof(data, name="proof.pdf")
    try:
        return CheckedProof(process_photo(upload).image.read(), name="proof.jpg")
    except PhotoError as error:
        raise ProofError(
            _("%(name)s is neither a photo nor a PDF.") % {"name": name}
            if error.code == "photo_wrong_type"
            else error.message,
            code=error.code,
        ) from error
