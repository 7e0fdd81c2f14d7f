"""Photo-upload abuse limits (issue #12): the hourly limit and the cheap limits — count, bytes,
the pixel size declared in the header — refuse a report before any image is decoded; what is
decoded is decoded small."""

import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile

from core import photos
from core.photos import PhotoError, check_photos, process_photo
from governance.models import Report
from tests.factories import ReportFactory, RiderFactory, category, jpeg_bytes, qingdao_district


def png_declaring(width: int, height: int) -> bytes:
    """A valid one-colour RGB PNG of width × height, built row by row so the test never holds
    it decoded (7,700 × 7,700 compresses to ~185 KB, as in the review's attack)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    row = b"\x00" + b"\x80\x80\x80" * width
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return png_declaring(7700, 7700)


def bomb_upload(bomb: bytes, n: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"bomb{n}.png", bomb, content_type="image/png")


@pytest.fixture
def decodes(monkeypatch) -> list:
    """Every image decode in the process, recorded as (format, size) at the moment it starts.

    Pillow decodes only through ImageFile.load → Image._getdecoder; both are watched.
    """
    seen: list = []
    load, getdecoder = ImageFile.ImageFile.load, Image._getdecoder

    def watched_load(image):
        if image.tile:  # not decoded yet (load() is called again on a loaded image)
            seen.append((image.format, image.size))
        return load(image)

    def watched_getdecoder(*args, **kwargs):
        if not seen:  # a decoder started outside load(): record it too
            seen.append(("decoder", args[:2]))
        return getdecoder(*args, **kwargs)

    monkeypatch.setattr(ImageFile.ImageFile, "load", watched_load)
    monkeypatch.setattr(Image, "_getdecoder", watched_getdecoder)
    return seen


@pytest.fixture
def rider(client, db):
    rider = RiderFactory()
    client.force_login(rider.user)
    return rider


def post_report(client, uploads):
    return client.post(
        reverse("reports:new"),
        {
            "category": category().pk,
            "description": "楼道堆物",
            "district": qingdao_district().pk,
            "latitude": "36.145100",
            "longitude": "120.432900",
            "photos": uploads,
        },
        HTTP_X_REQUESTED_WITH="fetch",
    )


def test_rider_over_the_hourly_limit_is_refused_before_any_photo_is_decoded(
    client, rider, settings, bomb, decodes
):
    settings.REPORTS_PER_RIDER_PER_HOUR = 2
    ReportFactory.create_batch(2, rider=rider)
    ordinary = SimpleUploadedFile("ok.jpg", jpeg_bytes(), content_type="image/jpeg")
    for uploads in ([ordinary], [bomb_upload(bomb, n) for n in (1, 2, 3)]):
        response = post_report(client, uploads)
        assert response.status_code == 400
        assert "过去一小时内已上报 2 条" in " ".join(response.json()["errors"]["__all__"])
    assert decodes == []
    assert Report.objects.filter(rider=rider).count() == 2


def test_declared_7700_px_pngs_are_refused_before_any_is_decoded(client, rider, bomb, decodes):
    uploads = [
        SimpleUploadedFile("ok.jpg", jpeg_bytes(), content_type="image/jpeg"),
        *(bomb_upload(bomb, n) for n in (1, 2)),
    ]
    response = post_report(client, uploads)
    assert response.status_code == 400
    [message] = response.json()["errors"]["photos"]
    assert "bomb1.png" in message and "25" in message
    assert decodes == []  # not even the good first photo: every header is read first
    assert not Report.objects.exists()


def test_pillow_itself_refuses_the_bomb_at_open(bomb, settings):
    assert Image.MAX_IMAGE_PIXELS == settings.PHOTO_MAX_PIXELS == 25_000_000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(BytesIO(bomb))


def test_other_callers_of_process_photo_get_the_same_limits(bomb, decodes):
    """Subsidy proofs and admin pictures call process_photo directly."""
    with pytest.raises(PhotoError) as error:
        process_photo(bomb_upload(bomb))
    assert error.value.code == "photo_too_many_pixels"
    assert decodes == []


def test_png_over_the_full_decode_limit_is_refused_from_its_header(decodes):
    # 14 Mpx: fine for a JPEG (decoded at a reduced scale), too many for a full PNG decode.
    upload = SimpleUploadedFile("shot.png", png_declaring(4000, 3500), content_type="image/png")
    with pytest.raises(PhotoError) as error:
        check_photos([upload])
    assert error.value.code == "photo_too_many_pixels" and "12" in error.value.message
    assert decodes == []


def test_big_camera_jpeg_is_decoded_at_a_reduced_scale(decodes):
    # 23.5 Mpx, like a 24 Mpx phone camera: libjpeg decodes it at 1/2 scale, never in full.
    upload = SimpleUploadedFile("cam.jpg", jpeg_bytes(size=(5600, 4200)), content_type="image/jpeg")
    result = process_photo(upload)
    assert decodes == [("JPEG", (2800, 2100))]
    assert (result.width, result.height) == (1600, 1200)


def test_small_png_screenshot_is_still_taken():
    upload = SimpleUploadedFile(
        "screen.png", jpeg_bytes(size=(1290, 2796), fmt="PNG"), content_type="image/png"
    )
    result = process_photo(upload)
    assert (result.width, result.height) == (738, 1600)


def test_all_photos_together_have_a_byte_limit(settings, decodes):
    settings.PHOTO_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    uploads = [
        SimpleUploadedFile(f"{n}.jpg", b"\xff" * 900 * 1024, content_type="image/jpeg")
        for n in range(3)
    ]
    with pytest.raises(PhotoError) as error:
        check_photos(uploads)
    assert error.value.code == "photos_too_large" and "2" in error.value.message
    assert decodes == []


def test_too_many_photos_is_refused_before_reading_any(decodes):
    uploads = [SimpleUploadedFile(f"{n}.jpg", jpeg_bytes()) for n in range(photos.MAX_PHOTOS + 1)]
    with pytest.raises(PhotoError) as error:
        check_photos(uploads)
    assert error.value.code == "too_many_photos"
    assert decodes == []
