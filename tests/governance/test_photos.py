"""Photo uploads are verified, re-encoded to JPEG ≤ 1600 px, stripped of EXIF, thumbnailed."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.photos import PhotoError, process_photo
from tests.factories import jpeg_bytes, photo_upload


def opened(content_file) -> Image.Image:
    return Image.open(BytesIO(content_file.read()))


def test_large_photo_is_scaled_to_1600_px_jpeg_with_a_thumbnail():
    result = process_photo(photo_upload(size=(4000, 3000)))
    image = opened(result.image)
    assert image.format == "JPEG" and max(image.size) == 1600
    assert (result.width, result.height) == image.size
    assert max(opened(result.thumbnail).size) == 320


def test_small_photo_is_not_enlarged():
    assert opened(process_photo(photo_upload(size=(640, 480))).image).size == (640, 480)


def test_exif_is_removed_and_gps_is_read():
    upload = photo_upload(gps=(36.1451, 120.4329))
    result = process_photo(upload)
    assert result.gps is not None
    assert (
        abs(float(result.gps[0]) - 36.1451) < 1e-4 and abs(float(result.gps[1]) - 120.4329) < 1e-4
    )
    assert not opened(result.image).getexif()


def test_png_with_transparency_becomes_jpeg():
    png = SimpleUploadedFile("shot.png", jpeg_bytes(fmt="PNG"), content_type="image/png")
    assert opened(process_photo(png).image).format == "JPEG"


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (
            SimpleUploadedFile("notes.txt", b"just text", content_type="image/jpeg"),
            "photo_wrong_type",
        ),
        (
            SimpleUploadedFile("cut.jpg", jpeg_bytes()[:300], content_type="image/jpeg"),
            "photo_corrupt",
        ),
    ],
    ids=["not-an-image", "truncated"],
)
def test_bad_files_are_refused_with_a_named_reason(upload, code):
    with pytest.raises(PhotoError) as error:
        process_photo(upload)
    assert error.value.code == code
    assert upload.name in error.value.message


def test_file_over_10_mb_is_refused_before_decoding(settings):
    assert settings.PHOTO_MAX_BYTES == 10 * 1024 * 1024
    big = SimpleUploadedFile(
        "big.jpg", b"\xff" * (settings.PHOTO_MAX_BYTES + 1), content_type="image/jpeg"
    )
    with pytest.raises(PhotoError) as error:
        process_photo(big)
    assert error.value.code == "photo_too_large"
