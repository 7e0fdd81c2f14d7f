"""Bystanders' faces and number plates found and blurred in street photos (issue 20, PIPL).

The detector is classical OpenCV, nothing else: the Haar cascades that ship inside the
opencv-python-headless wheel (cv2.data.haarcascades; 4.14 is the last line that ships them)
for frontal and profile faces and for plates, plus a colour-and-shape finder for Chinese
plates (blue, yellow or green rectangles of 440 × 140 mm). Nothing is downloaded at run time,
so it works offline and in CI. Its recall on a small labelled set is measured by
bench/redaction.py and stated in docs/benchmarks.md ("Photo redaction"); it misses faces
that are small, turned or dark, which is why dispatchers also have a manual "redact region"
tool in the admin and the original is never shown to departments.

Boxes are normalised (0–1 of the width and height) so that they survive any resize of the
photo, and they are plain dicts in the photo's `redaction_boxes` JSON:
`{"x": .., "y": .., "w": .., "h": .., "kind": "face"|"plate"|"manual", "source": "auto"|"manual"}`.

Blurring is deterministic (the same photo and boxes give the same bytes): each region,
enlarged by a margin, is pixelated to coarse blocks and then smoothed, which a reversing
filter cannot undo the way it can a light Gaussian. The photo keeps its size and stays a JPEG;
core/photos.py has already stripped EXIF, and we write none.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from functools import cache
from io import BytesIO
from typing import Any

import cv2
import numpy as np
from PIL import Image

# Detection runs on a copy whose long side is at most this; boxes are mapped back as fractions.
DETECT_SIDE = 960
# Each region is enlarged by this fraction of its size on every side before blurring, so a
# box that is a little off still covers the whole face or plate.
MARGIN = 0.15
# The pixelation's blocks across a region's longer side: 8 makes a face or 7 plate characters
# unreadable at any size.
BLOCKS = 8
JPEG_QUALITY = 82

FACE_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_frontalface_alt2.xml")
PROFILE_CASCADE = "haarcascade_profileface.xml"
PLATE_CASCADES = (
    "haarcascade_russian_plate_number.xml",
    "haarcascade_license_plate_rus_16stages.xml",
)


@dataclass(frozen=True)
class Box:
    """A region in fractions of the photo's width and height."""

    x: float
    y: float
    w: float
    h: float
    kind: str = "face"
    source: str = "auto"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("x", "y", "w", "h"):
            data[key] = round(data[key], 4)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Box:
        x, y, w, h = (min(1.0, max(0.0, float(data[key]))) for key in ("x", "y", "w", "h"))
        return cls(
            x=x,
            y=y,
            w=min(w, 1.0 - x),
            h=min(h, 1.0 - y),
            kind=str(data.get("kind", "manual")),
            source=str(data.get("source", "manual")),
        )


@dataclass(frozen=True)
class Settings:
    """The detector's knobs, chosen with bench/redaction.py (docs/benchmarks.md)."""

    # detectMultiScale: a smaller scale step and fewer neighbours find more and invent more.
    # Faces at 6 neighbours found as many labelled faces as at 4 with 43 boxes instead of 51
    # (precision 95 % against 82 %); at 3 two more faces, at 65 % precision.
    scale_factor: float = 1.1
    face_neighbours: int = 6
    profile_neighbours: int = 5
    plate_neighbours: int = 3
    # The smallest face or plate looked for, in pixels of the detection copy.
    min_face: int = 20
    min_plate_width: int = 36
    use_profile: bool = True
    use_plate_cascades: bool = True
    use_plate_colour: bool = True


DEFAULT = Settings()


@cache
def _cascade(name: str) -> cv2.CascadeClassifier:
    path = os.path.join(cv2.data.haarcascades, name)  # type: ignore[attr-defined]
    classifier = cv2.CascadeClassifier(path)
    if classifier.empty():  # a wheel without its data: refuse loudly, never "no faces"
        raise RuntimeError(f"OpenCV cascade {name} could not be loaded from {path}")
    return classifier


def _as_rgb_array(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


def _detection_copy(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    height, width = rgb.shape[:2]
    scale = min(1.0, DETECT_SIDE / max(width, height))
    if scale < 1.0:
        rgb = cv2.resize(
            rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
        )
    return rgb, scale


def _detect(
    classifier: cv2.CascadeClassifier,
    gray: np.ndarray,
    *,
    scale_factor: float,
    neighbours: int,
    min_size: tuple[int, int],
) -> list[tuple[int, int, int, int]]:
    found = classifier.detectMultiScale(
        gray, scaleFactor=scale_factor, minNeighbors=neighbours, minSize=min_size
    )
    return [tuple(int(v) for v in rect) for rect in found]  # type: ignore[misc]


def _faces(gray: np.ndarray, cfg: Settings) -> list[tuple[int, int, int, int]]:
    size = (cfg.min_face, cfg.min_face)
    rects: list[tuple[int, int, int, int]] = []
    for name in FACE_CASCADES:
        rects += _detect(
            _cascade(name),
            gray,
            scale_factor=cfg.scale_factor,
            neighbours=cfg.face_neighbours,
            min_size=size,
        )
    if cfg.use_profile:
        profile = _cascade(PROFILE_CASCADE)
        kwargs = {
            "scale_factor": cfg.scale_factor,
            "neighbours": cfg.profile_neighbours,
            "min_size": size,
        }
        rects += _detect(profile, gray, **kwargs)  # type: ignore[arg-type]
        # The cascade knows faces turned one way only: the mirrored photo finds the others.
        width = gray.shape[1]
        for x, y, w, h in _detect(profile, cv2.flip(gray, 1), **kwargs):  # type: ignore[arg-type]
            rects.append((width - x - w, y, w, h))
    return rects


def _plates_by_cascade(gray: np.ndarray, cfg: Settings) -> list[tuple[int, int, int, int]]:
    rects: list[tuple[int, int, int, int]] = []
    for name in PLATE_CASCADES:
        rects += _detect(
            _cascade(name),
            gray,
            scale_factor=cfg.scale_factor,
            neighbours=cfg.plate_neighbours,
            min_size=(cfg.min_plate_width, cfg.min_plate_width // 4),
        )
    return rects


# Chinese plates: blue (ordinary cars), yellow (large vehicles, learners), green (new-energy).
# Hue in OpenCV's 0–179 scale; saturation and value high enough to skip grey asphalt and sky.
PLATE_COLOURS = (
    ((100, 120, 60), (125, 255, 255)),  # blue
    ((15, 120, 90), (35, 255, 255)),  # yellow
    ((40, 60, 90), (85, 255, 255)),  # green
)


def _plates_by_colour(rgb: np.ndarray, cfg: Settings) -> list[tuple[int, int, int, int]]:
    """Saturated blue/yellow/green rectangles about 3.1 times as wide as high, mostly filled
    with that colour but with light characters inside (a painted wall or a sign is not)."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    rects: list[tuple[int, int, int, int]] = []
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 3))
    for low, high in PLATE_COLOURS:
        mask = cv2.inRange(hsv, np.array(low, np.uint8), np.array(high, np.uint8))
        # Closing fills the gaps the characters leave in the colour, opening drops specks.
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            _centre, (rw, rh), _angle = cv2.minAreaRect(contour)
            long_side, short_side = max(rw, rh), min(rw, rh)
            if short_side < 8 or long_side < cfg.min_plate_width:
                continue
            aspect = long_side / short_side
            if not 2.5 <= aspect <= 4.5:
                continue
            x, y, w, h = cv2.boundingRect(contour)
            fill = cv2.contourArea(contour) / (rw * rh)
            if fill < 0.6:
                continue
            # Characters: a plate's box has light pixels well above its background.
            patch = gray[y : y + h, x : x + w]
            if patch.size == 0 or float(np.percentile(patch, 97)) - float(np.median(patch)) < 50:
                continue
            rects.append((x, y, w, h))
    return rects


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ax, ay, aw, ah = a[:4]
    bx, by, bw, bh = b[:4]
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0


def _merge(rects: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Several cascades find the same face: keep one box per overlapping group (their union),
    in a stable order so the output is deterministic."""
    merged: list[list[int]] = []
    for rect in sorted(rects):
        for group in merged:
            if _iou(tuple(group), rect) > 0.3 or _contains(group, rect):
                x = min(group[0], rect[0])
                y = min(group[1], rect[1])
                group[2] = max(group[0] + group[2], rect[0] + rect[2]) - x
                group[3] = max(group[1] + group[3], rect[1] + rect[3]) - y
                group[0], group[1] = x, y
                break
        else:
            merged.append(list(rect))
    return [(g[0], g[1], g[2], g[3]) for g in merged]


def _contains(outer: list[int], inner: tuple[int, int, int, int]) -> bool:
    ox, oy, ow, oh = outer
    ix, iy, iw, ih = inner
    return ox <= ix and oy <= iy and ix + iw <= ox + ow and iy + ih <= oy + oh


def detect(image: Image.Image, cfg: Settings = DEFAULT) -> list[Box]:
    """Faces and plates in the photo, as normalised boxes (source "auto")."""
    rgb, _scale = _detection_copy(_as_rgb_array(image))
    height, width = rgb.shape[:2]
    gray = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    found: list[Box] = []
    for kind, rects in (("face", _faces(gray, cfg)), ("plate", _plates(rgb, gray, cfg))):
        for x, y, w, h in _merge(rects):
            found.append(Box(x=x / width, y=y / height, w=w / width, h=h / height, kind=kind))
    return found


def _plates(rgb: np.ndarray, gray: np.ndarray, cfg: Settings) -> list[tuple[int, int, int, int]]:
    rects: list[tuple[int, int, int, int]] = []
    if cfg.use_plate_cascades:
        rects += _plates_by_cascade(gray, cfg)
    if cfg.use_plate_colour:
        rects += _plates_by_colour(rgb, cfg)
    return rects


def _pixel_box(box: Box, width: int, height: int, margin: float) -> tuple[int, int, int, int]:
    dx, dy = box.w * margin, box.h * margin
    left = max(0, int((box.x - dx) * width))
    top = max(0, int((box.y - dy) * height))
    right = min(width, int(np.ceil((box.x + box.w + dx) * width)))
    bottom = min(height, int(np.ceil((box.y + box.h + dy) * height)))
    return left, top, right, bottom


def blur(image: Image.Image, boxes: list[Box], *, margin: float = MARGIN) -> Image.Image:
    """A copy of the photo with each box (enlarged by the margin) pixelated and smoothed."""
    result = image.convert("RGB")
    width, height = result.size
    for box in boxes:
        left, top, right, bottom = _pixel_box(box, width, height, margin)
        if right - left < 2 or bottom - top < 2:
            continue
        region = result.crop((left, top, right, bottom))
        block = max(1, max(region.size) // BLOCKS)
        small = region.resize(
            (max(1, region.width // block), max(1, region.height // block)), Image.Resampling.BOX
        )
        coarse = small.resize(region.size, Image.Resampling.NEAREST)
        smooth = cv2.GaussianBlur(np.asarray(coarse), (0, 0), sigmaX=max(1.0, block / 2))
        result.paste(Image.fromarray(smooth), (left, top))
    return result


def redact_jpeg(data: bytes, boxes: list[Box]) -> bytes:
    """The blurred copy of a stored JPEG, same size, as JPEG bytes without metadata."""
    with Image.open(BytesIO(data)) as image:
        image.load()
        blurred = blur(image, boxes)
    buffer = BytesIO()
    blurred.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def placeholder_jpeg(width: int = 640, height: int = 480) -> bytes:
    """What a department gets while the blurred copy is being made: a plain grey picture, so
    an <img> shows a neutral box instead of a broken image and never the original."""
    image = Image.new("RGB", (max(1, width), max(1, height)), (200, 200, 200))
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=60)
    return buffer.getvalue()


def thumbnail_jpeg(data: bytes, side: int) -> bytes:
    """The blurred copy's thumbnail (the original's shows the faces), like core/photos.py's."""
    with Image.open(BytesIO(data)) as image:
        image.load()
        small = image.convert("RGB")
    small.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = BytesIO()
    small.save(buffer, "JPEG", quality=75, optimize=True)
    return buffer.getvalue()
