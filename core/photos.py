"""Photo uploads: cheap checks first, then a small decode, re-encoded to JPEG ≤ 1600 px without
EXIF, thumbnailed.

Re-encoding is the point: whatever a phone (or an attacker) uploads, we store only pixels we
decoded ourselves, with no metadata (EXIF carries the rider's GPS trail and phone model).

Decoding is the expensive part (issue #12: three 224 KB PNGs of 7,700 × 7,700 px decode to
178 MB each and froze both web workers for half a minute), so everything that can be decided
without it is decided first, for all of a report's photos, before the first pixel is decoded:
the count, the bytes of each file and of all of them, and the format and pixel size that the
file's header declares (`Image.open` reads only the header). Pillow's own guard
(`Image.MAX_IMAGE_PIXELS`, set in CoreConfig.ready) refuses bombs for every other caller
too. Then each photo is decoded on its own, JPEGs at a reduced scale, so one request holds at
most one decoded photo at a time. The limits are settings; see "Abuse limits: photo uploads".
"""

import warnings
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import DomainError

MAX_PHOTOS = 3
MAX_SIDE = 1600
THUMBNAIL_SIDE = 320
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF"}
# libjpeg decodes these at 1/2, 1/4 or 1/8 scale (Image.draft), so a camera JPEG is never held
# at full size. The others (screenshots, edited pictures) can only be decoded in full, so they
# get the lower PHOTO_MAX_PIXELS_FULL_DECODE.
REDUCED_DECODE_FORMATS = {"JPEG", "MPO"}

GPS_IFD = 0x8825


class PhotoError(DomainError):
    code = "invalid_photo"


@dataclass(frozen=True)
class PhotoHeader:
    """What the file says about itself, read without decoding it."""

    format: str
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    gps: tuple[Decimal, Decimal] | None


def _name(upload) -> str:
    return getattr(upload, "name", "") or _("photo")


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


def _wrong_type(name: str) -> PhotoError:
    return PhotoError(
        _("%(name)s is not a photo. Take a picture or choose a JPEG or PNG image.")
        % {"name": name},
        code="photo_wrong_type",
    )


def _corrupt(name: str) -> PhotoError:
    return PhotoError(
        _("%(name)s is damaged and cannot be opened. Please take the photo again.")
        % {"name": name},
        code="photo_corrupt",
    )


def _too_many_pixels(name: str, limit: int) -> PhotoError:
    return PhotoError(
        _(
            "%(name)s has more than %(limit)d megapixels. Take the photo with the camera's "
            "normal setting, or send a smaller picture."
        )
        % {"name": name, "limit": limit // 1_000_000},
        code="photo_too_many_pixels",
    )


def pixel_limit(kind: str) -> int:
    if kind in REDUCED_DECODE_FORMATS:
        return settings.PHOTO_MAX_PIXELS
    return min(settings.PHOTO_MAX_PIXELS, settings.PHOTO_MAX_PIXELS_FULL_DECODE)


def check_photo_bytes(upload) -> None:
    if upload.size > settings.PHOTO_MAX_BYTES:
        raise PhotoError(
            _("%(name)s is larger than %(size)d MB.")
            % {"name": _name(upload), "size": _megabytes(settings.PHOTO_MAX_BYTES)},
            code="photo_too_large",
        )


def inspect_photo(upload) -> PhotoHeader:
    """The cheap checks of one file: its bytes, and the format and pixel size its header
    declares. Nothing is decoded. Raises PhotoError naming the file."""
    name = _name(upload)
    check_photo_bytes(upload)
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that: both refuse.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:  # parses the header; pixels stay compressed
                header = PhotoHeader(
                    format=probe.format or "", width=probe.width, height=probe.height
                )
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name, settings.PHOTO_MAX_PIXELS) from None
    except UnidentifiedImageError:
        raise _wrong_type(name) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError):
        raise _corrupt(name) from None
    finally:
        upload.seek(0)
    if header.format not in ACCEPTED_FORMATS:
        raise _wrong_type(name)
    limit = pixel_limit(header.format)
    if header.width * header.height > limit:
        raise _too_many_pixels(name, limit)
    return header


def check_photo_count(uploads: list) -> None:
    if len(uploads) > MAX_PHOTOS:
        raise PhotoError(
            _("Add at most %(count)d photos.") % {"count": MAX_PHOTOS}, code="too_many_photos"
        )


def check_photos(uploads: list) -> list[PhotoHeader]:
    """All the cheap checks of one report's photos, before any of them is decoded: the count,
    each file's bytes, all files' bytes together, then each header."""
    check_photo_count(uploads)
    for upload in uploads:
        check_photo_bytes(upload)
    if sum(upload.size for upload in uploads) > settings.PHOTO_UPLOAD_MAX_BYTES:
        raise PhotoError(
            _("The photos together are larger than %(size)d MB. Send fewer or smaller photos.")
            % {"size": _megabytes(settings.PHOTO_UPLOAD_MAX_BYTES)},
            code="photos_too_large",
        )
    return [inspect_photo(upload) for upload in uploads]


def _jpeg(image: Image.Image, quality: int) -> ContentFile:
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return ContentFile(buffer.getvalue(), name="photo.jpg")


def _degrees(value) -> float:
    d, m, s = (float(part) for part in value)
    return d + m / 60 + s / 3600


def exif_gps(image: Image.Image) -> tuple[Decimal, Decimal] | None:
    """Latitude/longitude from the photo's EXIF, if the camera recorded them."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
        lat, lat_ref, lng, lng_ref = gps[2], gps.get(1, "N"), gps[4], gps.get(3, "E")
        latitude = _degrees(lat) * (-1 if str(lat_ref).upper().startswith("S") else 1)
        longitude = _degrees(lng) * (-1 if str(lng_ref).upper().startswith("W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude, longitude) == (0, 0):
        return None
    return Decimal(f"{latitude:.6f}"), Decimal(f"{longitude:.6f}")


def _draft_box(width: int, height: int) -> tuple[int, int] | None:
    """The smallest size with the image's shape whose long side is MAX_SIDE; None when the
    image is no bigger. libjpeg then picks the largest 1/2, 1/4, 1/8 scale that stays at
    least this big, so the final resize still has enough pixels."""
    scale = MAX_SIDE / max(width, height)
    if scale >= 1:
        return None
    return max(1, int(width * scale)), max(1, int(height * scale))


def _decode(upload, header: PhotoHeader) -> tuple[Image.Image, tuple[Decimal, Decimal] | None]:
    """Decode one photo as small as it can be decoded: RGB(A), long side ≤ MAX_SIDE, upright."""
    upload.seek(0)
    with Image.open(upload) as probe:
        probe.verify()  # checks the chunks' checksums (PNG); cheap, nothing is decoded
    upload.seek(0)
    image = Image.open(upload)
    if header.format in REDUCED_DECODE_FORMATS:
        box = _draft_box(image.width, image.height)
        if box is not None:
            image.draft("RGB", box)
    gps = exif_gps(image)
    image.load()
    target = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    if image.mode != target:
        image = image.convert(target)
    # reduce() by whole factors, then LANCZOS: never a full-size intermediate copy.
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    image = ImageOps.exif_transpose(image)
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    return image, gps


def process_photo(upload, *, header: PhotoHeader | None = None) -> ProcessedPhoto:
    """Check one uploaded file and return the re-encoded photo and thumbnail.

    Raises PhotoError with a message naming the file when it is too large (bytes or pixels),
    not an image, of a type we do not take, or damaged. `header` is what check_photos already
    read; without it the cheap checks run here first, so every caller gets them.
    """
    name = _name(upload)
    header = header or inspect_photo(upload)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image, gps = _decode(upload, header)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name, pixel_limit(header.format)) from None
    except UnidentifiedImageError:
        raise _wrong_type(name) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError):
        raise _corrupt(name) from None
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        image=_jpeg(image, quality=82),
        thumbnail=_jpeg(thumbnail, quality=75),
        width=image.width,
        height=image.height,
        gps=gps,
    )


def install_pillow_limit() -> None:
    """Pillow refuses (DecompressionBombError) anything over twice this in Image.open itself,
    for every caller in the process (Django's ImageField, admin forms), not only ours."""
    Image.MAX_IMAGE_PIXELS = settings.PHOTO_MAX_PIXELS


def admin_picture(upload):
    """For admin forms: a picture uploaded for a benefit, meal or honour is re-encoded like
    report photos (a real JPEG, no EXIF) at thumbnail size for cheap phones on weak signal.
    An unchanged or cleared field passes through."""
    from django import forms

    if not upload or not hasattr(upload, "content_type"):
        return upload
    try:
        return process_photo(upload).thumbnail
    except PhotoError as error:
        raise forms.ValidationError(error.message) from error
