"""The detector and the blurring (core/redaction.py): recall on the committed labelled set
stays above a floor a little below what docs/benchmarks.md states, blurring is deterministic,
covers the box with its margin, leaves the rest and keeps the size; no downloads."""

import importlib.util
import json
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core import redaction

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT / "bench" / "redaction_set"

# Measured with the defaults on the committed set (bench/redaction.py): faces 41/50 = 82 %,
# plates 27/30 = 90 %. The floors catch a regression, not noise (the detector is
# deterministic, so any drop is a real change).
FACE_RECALL_FLOOR = 0.76
PLATE_RECALL_FLOOR = 0.83


def _bench():
    spec = importlib.util.spec_from_file_location("bench_redaction", ROOT / "bench/redaction.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_labelled_set_is_small_and_every_photo_is_labelled():
    labels = json.loads((SET / "labels.json").read_text())
    photos = sorted(path.name for path in SET.glob("*.jpg"))
    assert photos == sorted(labels)
    assert sum(path.stat().st_size for path in SET.iterdir() if path.is_file()) < 3_000_000
    kinds = [box["kind"] for boxes in labels.values() for box in boxes]
    assert kinds.count("face") >= 40 and kinds.count("plate") >= 25
    assert sum(1 for boxes in labels.values() if not boxes) >= 5  # negatives


def test_recall_on_the_labelled_set_stays_above_the_floor():
    stats = _bench().evaluate()
    assert stats["face"]["recall"] >= FACE_RECALL_FLOOR, stats["face"]
    assert stats["plate"]["recall"] >= PLATE_RECALL_FLOOR, stats["plate"]
    # Not a precision target, only that it does not blur whole photos by mistake.
    assert stats["face"]["precision"] >= 0.6 and stats["plate"]["precision"] >= 0.3


def test_a_real_photographed_face_is_found_where_it_is():
    with Image.open(SET / "astronaut.jpg") as image:
        boxes = redaction.detect(image)
    faces = [box for box in boxes if box.kind == "face"]
    assert len(faces) == 1
    face = faces[0]
    # Eileen Collins' face is at about (170, 60)–(280, 175) of 512 × 512.
    assert 0.3 < face.x < 0.4 and 0.08 < face.y < 0.18 and 0.12 < face.w < 0.26


def test_a_plain_picture_has_nothing_to_blur():
    image = Image.new("RGB", (640, 480), (120, 130, 140))
    assert redaction.detect(image) == []


def test_a_large_photo_is_detected_on_a_small_copy_and_the_boxes_map_back():
    with Image.open(SET / "astronaut.jpg") as image:
        (face,) = redaction.detect(image)
        big = redaction.detect(image.resize((1536, 1536)))
    # Detected on a 960 px copy, the boxes are fractions of the photo: the same face is there.
    assert any(
        abs(face.x - b.x) < 0.03 and abs(face.y - b.y) < 0.03 and abs(face.w - b.w) < 0.04
        for b in big
    )


def _jpeg(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _noise(seed: int = 1) -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def test_blurring_changes_the_box_and_its_margin_only_and_keeps_the_size():
    image = _noise()
    box = redaction.Box(x=0.4, y=0.4, w=0.2, h=0.2, kind="face")
    blurred = redaction.blur(image, [box])
    assert blurred.size == image.size
    before, after = np.asarray(image).astype(int), np.asarray(blurred).astype(int)
    inside = (slice(85, 115), slice(125, 175))
    # Noise pixelated and smoothed: almost no detail left inside.
    assert after[inside].std() < before[inside].std() / 4
    # Outside box + margin (15 % of 60 × 40 px = 9 × 6 px): untouched.
    assert (after[:70] == before[:70]).all() and (after[:, :105] == before[:, :105]).all()
    assert (after[135:] == before[135:]).all() and (after[:, 195:] == before[:, 195:]).all()
    # The margin is blurred too.
    assert not (after[76:80, 150] == before[76:80, 150]).all()


def test_redacting_is_deterministic_and_writes_a_jpeg_of_the_same_size_without_exif():
    data = _jpeg(_noise())
    boxes = [redaction.Box(x=0.1, y=0.1, w=0.3, h=0.3), redaction.Box(x=0.6, y=0.5, w=0.3, h=0.2)]
    first, second = redaction.redact_jpeg(data, boxes), redaction.redact_jpeg(data, boxes)
    assert first == second
    with Image.open(BytesIO(first)) as out:
        assert out.format == "JPEG" and out.size == (300, 200)
        assert not out.getexif()


def test_boxes_from_the_form_are_clamped_to_the_photo():
    box = redaction.Box.from_dict({"x": -0.2, "y": 0.9, "w": 0.5, "h": 0.5})
    assert (box.x, box.y, box.w) == (0.0, 0.9, 0.5)
    assert box.h == pytest.approx(0.1)
    assert box.source == "manual"
    with pytest.raises(ValueError):
        redaction.Box.from_dict({"x": "a", "y": 0, "w": 1, "h": 1})


def test_the_cascades_ship_with_the_package_and_a_missing_one_is_an_error():
    for name in (*redaction.FACE_CASCADES, redaction.PROFILE_CASCADE, *redaction.PLATE_CASCADES):
        assert not redaction._cascade(name).empty()
    with pytest.raises(RuntimeError):
        redaction._cascade("haarcascade_does_not_exist.xml")
