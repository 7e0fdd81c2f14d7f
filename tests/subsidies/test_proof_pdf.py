"""PDF proofs with active content (scripts, launch actions, attached files) are refused, however
the PDF hides them; clean PDFs are still accepted. Every PDF here is built with pikepdf."""

import datetime as dt
import io
import time
from decimal import Decimal

import pikepdf
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from subsidies import services
from subsidies.models import Claim, InsuranceType
from subsidies.proofs import ProofError, check_pdf
from tests.factories import RiderFactory

COMPRESSED = {"object_stream_mode": pikepdf.ObjectStreamMode.generate, "compress_streams": True}
PLAIN = {"object_stream_mode": pikepdf.ObjectStreamMode.disable, "compress_streams": False}


def build(change=None, **save) -> bytes:
    """A one-page PDF, changed by `change(pdf)`, saved with `save` options."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    if change:
        change(pdf)
    out = io.BytesIO()
    pdf.save(out, **(save or COMPRESSED))
    return out.getvalue()


def javascript_action(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    return pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Action, S=pikepdf.Name.JavaScript, JS="app.alert(1)")
    )


def open_action_js(pdf):
    pdf.Root.OpenAction = javascript_action(pdf)


def names_tree_js(pdf):
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array(["run", javascript_action(pdf)]))
    )


def page_additional_action_js(pdf):
    # /AA /O: runs when the page is opened; the action is written inline, not as an object.
    pdf.pages[0].obj.AA = pikepdf.Dictionary(
        O=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(2)")
    )


def link_launch(pdf):
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=[0, 0, 100, 100],
        A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F="cmd.exe"),
    )
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(link)]))


def link_javascript_uri(pdf):
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=[0, 0, 100, 100],
        A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI="  JavaScript:alert(3)"),
    )
    pdf.pages[0].obj.Annots = pikepdf.Array([pdf.make_indirect(link)])


def embedded_file(pdf):
    pdf.attachments["invoice.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ not really a program")


def xfa_form(pdf):
    pdf.Root.AcroForm = pikepdf.Dictionary(
        Fields=pikepdf.Array(), XFA=pdf.make_stream(b"<xdp:xdp/>")
    )


def rich_media(pdf):
    annot = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.RichMedia, Rect=[0, 0, 10, 10]
    )
    pdf.pages[0].obj.Annots = pikepdf.Array([pdf.make_indirect(annot)])


def refused_code(data: bytes) -> str | None:
    try:
        check_pdf(data, "proof.pdf")
    except ProofError as error:
        return error.code
    return None


def test_a_clean_pdf_is_accepted_compressed_or_not():
    def with_a_normal_link(pdf):
        # Opening at page 1 and a web link are ordinary, not active content.
        pdf.Root.OpenAction = pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit])
        link = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[0, 0, 10, 10],
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI="https://bank.example.cn/receipt"),
        )
        pdf.pages[0].obj.Annots = pikepdf.Array([pdf.make_indirect(link)])

    for save in (COMPRESSED, PLAIN):
        assert refused_code(build(**save)) is None
        assert refused_code(build(with_a_normal_link, **save)) is None


@pytest.mark.parametrize(
    "change",
    [
        open_action_js,
        names_tree_js,
        page_additional_action_js,
        link_launch,
        link_javascript_uri,
        embedded_file,
        xfa_form,
        rich_media,
    ],
)
@pytest.mark.parametrize("save", [COMPRESSED, PLAIN], ids=["object-streams", "plain"])
def test_active_content_is_refused(change, save):
    assert refused_code(build(change, **save)) == "proof_active_content"


def test_javascript_inside_a_compressed_object_stream_is_found():
    """A scan of the bytes sees nothing: the action lives in a deflated object stream."""
    data = build(open_action_js, **COMPRESSED)
    assert b"/JavaScript" not in data and b"/JS" not in data and b"/OpenAction" not in data
    assert refused_code(data) == "proof_active_content"


def test_an_escaped_name_is_found():
    """`/J#53` is `/JS` to a PDF reader; a byte scan for "/JS" misses it."""
    data = build(open_action_js, **PLAIN)
    escaped = data.replace(b"/JS ", b"/J#53 ").replace(b"/JavaScript", b"/Java#53cript")
    assert escaped != data and b"/JS " not in escaped and b"/JavaScript" not in escaped
    assert refused_code(escaped) == "proof_active_content"


def test_a_pdf_qpdf_cannot_read_is_damaged_not_accepted():
    data = b"%PDF-1.7\n" + b"\x00garbage" * 50 + b"\nstartxref\n0\n%%EOF\n"
    assert refused_code(data) == "proof_damaged"


def test_checking_a_large_clean_pdf_is_quick():
    """The walk over every object stays well under a second for a 200-page statement."""

    def many_pages(pdf):
        for _ in range(199):
            pdf.add_blank_page(page_size=(595, 842))

    data = build(many_pages)
    start = time.perf_counter()
    assert refused_code(data) is None
    assert time.perf_counter() - start < 1.0


def test_a_pdf_of_tiny_objects_is_refused_before_the_walk():
    """Half a million tiny objects fit in 5 MB and would take seconds to walk."""

    def padded(pdf):
        pdf.Root.Padding = pdf.make_indirect(
            pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(N=i)) for i in range(60_000)])
        )

    data = build(padded)
    start = time.perf_counter()
    assert refused_code(data) == "proof_too_complex"
    assert time.perf_counter() - start < 1.0


def test_the_message_is_translated_and_names_the_file():
    from django.utils import translation

    with translation.override("en"), pytest.raises(ProofError) as refused:
        check_pdf(build(open_action_js), "receipt.pdf")
    assert refused.value.message.startswith("receipt.pdf contains scripts")


@pytest.mark.django_db
def test_the_claim_form_refuses_a_scripted_pdf_and_saves_nothing(client):
    rider = RiderFactory()
    client.force_login(rider.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    pension = InsuranceType.objects.get(code="pension")
    response = client.post(
        reverse("subsidies:new"),
        {
            "month": month.isoformat(),
            f"paid_{pension.pk}": "520.00",
            "proof": SimpleUploadedFile("receipt.pdf", build(open_action_js)),
        },
    )
    assert response.status_code == 200
    assert "contains scripts, attached files or automatic actions" in response.content.decode()
    assert not Claim.objects.exists()
    # The same receipt printed again without the script is accepted.
    claim = services.claim_file(
        rider=rider,
        month=month,
        amounts={pension: Decimal("520.00")},
        proof=SimpleUploadedFile("receipt.pdf", build()),
    )
    assert claim.proof.name.endswith(".pdf")
