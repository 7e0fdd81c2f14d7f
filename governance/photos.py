"""Photo uploads: verified with Pillow, re-encoded to JPEG ≤ 1600 px without EXIF, thumbnailed.

Re-encoding is the point: whatever a phone (or an attacker) uploads, we store only pixels we
decoded ourselves, with no metadata (EXIF carries the rider's GPS trail and phone model).
"""

import warnings
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import DomainError

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
THUMBNAIL_SIDE = 320
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF"}
# A 10 MB file can still decode to gigabytes; no phone photo has more pixels than this.
MAX_PIXELS = 60_000_000

GPS_IFD = 0x8825


class PhotoError(DomainError):
    code = "invalid_photo"


@dataclass(frozen=True)
class ProcessedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    gps: tuple[Decimal, Decimal] | None


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


def process_photo(upload) -> ProcessedPhoto:
    """Check one uploaded file and return the re-encoded photo and thumbnail.

    Raises PhotoError with a message naming the file when it is too large, not an image, of a
    type we do not take, or damaged.
    """
    name = getattr(upload, "name", "") or _("photo")
    if upload.size > MAX_PHOTO_BYTES:
        raise PhotoError(
            _("%(name)s is larger than 10 MB.") % {"name": name}, code="photo_too_large"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                kind = probe.format
                if probe.width * probe.height > MAX_PIXELS:
                    raise PhotoError(
                        _("%(name)s has too many pixels.") % {"name": name}, code="photo_too_large"
                    )
                probe.verify()
            upload.seek(0)
            image = Image.open(upload)
            image.load()
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(
            _("%(name)s is not a photo. Take a picture or choose a JPEG or PNG image.")
            % {"name": name},
            code="photo_wrong_type",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise PhotoError(
            _("%(name)s is damaged and cannot be opened. Please take the photo again.")
            % {"name": name},
            code="photo_corrupt",
        ) from None
    if kind not in ACCEPTED_FORMATS:
        raise PhotoError(
            _("%(name)s is not a photo. Take a picture or choose a JPEG or PNG image.")
            % {"name": name},
            code="photo_wrong_type",
        )
    gps = exif_gps(image)
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        image=_jpeg(image, quality=82),
        thumbnail=_jpeg(thumbnail, quality=75),
        width=image.width,
        height=image.height,
        gps=gps,
    )


def check_photo_count(uploads: list) -> None:
    if len(uploads) > MAX_PHOTOS:
        raise PhotoError(
            _("Add at most %(count)d photos.") % {"count": MAX_PHOTOS}, code="too_many_photos"
        )


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
