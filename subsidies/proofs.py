"""Proof of payment: a photo (checked and re-encoded like report photos) or a real PDF."""

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from core.errors import DomainError
from governance.photos import PhotoError, process_photo

MAX_PDF_BYTES = 5 * 1024 * 1024


class ProofError(DomainError):
    code = "invalid_proof"


def check_pdf(data: bytes, name: str) -> None:
    """A real PDF: the header, a cross-reference and the end-of-file marker, not encrypted."""
    if len(data) > MAX_PDF_BYTES:
        raise ProofError(
            _("%(name)s is larger than 5 MB.") % {"name": name}, code="proof_too_large"
        )
    tail = data[-2048:]
    if not data.startswith(b"%PDF-1.") and not data.startswith(b"%PDF-2."):
        raise ProofError(_("%(name)s is not a PDF.") % {"name": name}, code="proof_not_pdf")
    if b"%%EOF" not in tail or (b"startxref" not in tail and b"/XRef" not in data):
        raise ProofError(
            _("%(name)s is damaged or incomplete. Save it again and retry.") % {"name": name},
            code="proof_damaged",
        )
    if b"/Encrypt" in data:
        raise ProofError(
            _("%(name)s is password-protected. Upload it without a password.") % {"name": name},
            code="proof_encrypted",
        )


def process_proof(upload) -> ContentFile:
    """The stored file: the PDF as uploaded, or the photo re-encoded without EXIF."""
    name = getattr(upload, "name", "") or _("proof")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        data = upload.read()
        check_pdf(data, name)
        return ContentFile(data, name="proof.pdf")
    try:
        return ContentFile(process_photo(upload).image.read(), name="proof.jpg")
    except PhotoError as error:
        raise ProofError(
            _("%(name)s is neither a photo nor a PDF.") % {"name": name}
            if error.code == "photo_wrong_type"
            else error.message,
            code=error.code,
        ) from error
