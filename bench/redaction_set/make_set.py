"""Makes the labelled set for the photo redaction benchmark (bench/redaction.py) and its
regression test (tests/core/test_redaction.py): street-like JPEGs with faces and Chinese
number plates at known boxes, plus negatives.

Nothing is downloaded: the faces are the sample images that scikit-image ships (the astronaut
photograph and the 100 face crops of its `lfw_subset`, from Labeled Faces in the Wild), the
plates are rendered here with Pillow and the WenQuanYi Zen Hei font (fonts-wqy-zenhei), the
backgrounds are scikit-image's sample photographs and drawn street scenes. Seeded, so running
it again writes the same files:

    .venv/bin/python bench/redaction_set/make_set.py

It is a synthetic set: faces pasted flat onto a background and clean rendered plates are
easier than a rider's photo of a street at dusk, so the recall it measures overstates the
real one (docs/benchmarks.md says so).
"""

import json
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont
from skimage import data as samples

HERE = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
SIZE = (640, 480)
PROVINCES = "京沪粤鲁苏浙川鄂湘豫闽皖"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DIGITS = "0123456789"

rng = random.Random(20)


def plate_text(green: bool) -> str:
    tail = "".join(rng.choice(DIGITS + LETTERS[:6]) for _ in range(6 if green else 5))
    return f"{rng.choice(PROVINCES)}{rng.choice(LETTERS)}·{tail}"


def render_plate(kind: str) -> Image.Image:
    """A plate at 440 × 140 (mm = px), like GA 36: blue with white, yellow or green with black."""
    colours = {
        "blue": ((10, 60, 170), (245, 245, 245)),
        "yellow": ((235, 180, 20), (20, 20, 20)),
        "green": ((90, 200, 110), (20, 20, 20)),
    }
    background, ink = colours[kind]
    plate = Image.new("RGB", (440, 140), background)
    draw = ImageDraw.Draw(plate)
    draw.rounded_rectangle((4, 4, 435, 135), radius=12, outline=ink, width=4)
    font = ImageFont.truetype(FONT, 92 if kind != "green" else 80)
    text = plate_text(kind == "green")
    box = draw.textbbox((0, 0), text, font=font)
    draw.text(
        ((440 - (box[2] - box[0])) / 2 - box[0], (140 - (box[3] - box[1])) / 2 - box[1]),
        text,
        font=font,
        fill=ink,
    )
    return plate


def lfw_faces() -> list[Image.Image]:
    crops = samples.lfw_subset()[:100]  # the first 100 are faces, the others are not
    return [Image.fromarray((crop * 255).astype("uint8")) for crop in crops]


def lfw_non_faces() -> list[Image.Image]:
    crops = samples.lfw_subset()[100:]
    return [Image.fromarray((crop * 255).astype("uint8")) for crop in crops]


def tinted(gray: Image.Image) -> Image.Image:
    """A grey face crop in a skin tone, so the colour photo looks like one."""
    tone = rng.choice([(255, 220, 185), (230, 190, 150), (200, 160, 120), (160, 120, 90)])
    array = np.asarray(gray.convert("L"), dtype=np.float32)[..., None] / 255.0
    return Image.fromarray((array * np.array(tone, dtype=np.float32)).clip(0, 255).astype("uint8"))


def backgrounds() -> list[Image.Image]:
    photos = [
        samples.coffee(),
        samples.rocket(),
        samples.brick(),
        samples.gravel(),
        samples.grass(),
        samples.motorcycle_left() if hasattr(samples, "motorcycle_left") else samples.coffee(),
        samples.chelsea(),
        samples.hubble_deep_field(),
    ]
    out = []
    for photo in photos:
        image = Image.fromarray(photo if photo.ndim == 3 else np.stack([photo] * 3, -1))
        out.append(image.convert("RGB").resize(SIZE))
    for _ in range(6):
        out.append(street())
    return out


def street() -> Image.Image:
    """A drawn street: sky, buildings with windows, asphalt, a kerb."""
    image = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(image)
    sky = rng.randint(150, 220)
    draw.rectangle((0, 0, SIZE[0], 200), fill=(sky - 30, sky - 10, sky))
    x = 0
    while x < SIZE[0]:
        w = rng.randint(60, 160)
        top = rng.randint(40, 150)
        shade = rng.randint(90, 200)
        draw.rectangle((x, top, x + w, 300), fill=(shade, shade - 10, shade - 20))
        for wy in range(top + 10, 290, 25):
            for wx in range(x + 8, x + w - 12, 20):
                draw.rectangle((wx, wy, wx + 10, wy + 14), fill=(60, 70, 90))
        x += w
    grey = rng.randint(60, 110)
    draw.rectangle((0, 300, SIZE[0], SIZE[1]), fill=(grey, grey, grey + 5))
    draw.rectangle((0, 296, SIZE[0], 304), fill=(180, 180, 170))
    return image.filter(ImageFilter.GaussianBlur(0.8))


def car(width: int) -> tuple[Image.Image, tuple[int, int, int, int], str]:
    """The back of a car with a plate; returns the picture, the plate's box in it, its kind."""
    height = int(width * 0.7)
    body = rng.choice([(30, 30, 35), (230, 230, 230), (150, 20, 20), (90, 90, 100), (20, 50, 90)])
    car_image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(car_image)
    draw.rounded_rectangle(
        (0, int(height * 0.15), width - 1, height - 1), radius=width // 12, fill=body
    )
    draw.rectangle((int(width * 0.15), 0, int(width * 0.85), int(height * 0.4)), fill=(40, 50, 60))
    kind = rng.choice(["blue", "blue", "blue", "yellow", "green"])
    plate = render_plate(kind)
    plate_w = int(width * rng.uniform(0.3, 0.42))
    plate = plate.resize((plate_w, int(plate_w * 140 / 440)), Image.Resampling.LANCZOS)
    px = (width - plate.width) // 2
    py = int(height * 0.62)
    car_image.paste(plate, (px, py))
    return car_image, (px, py, plate.width, plate.height), kind


def place(
    canvas: Image.Image,
    item: Image.Image,
    taken: list[tuple[int, int, int, int]],
    mask: Image.Image | None = None,
) -> tuple[int, int] | None:
    for _ in range(50):
        x = rng.randint(0, SIZE[0] - item.width)
        y = rng.randint(0, SIZE[1] - item.height)
        box = (x, y, item.width, item.height)
        if all(not overlaps(box, other) for other in taken):
            canvas.paste(item, (x, y), mask)
            taken.append(box)
            return x, y
    return None


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return not (
        a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
    )


def normalised(x: float, y: float, w: float, h: float, kind: str) -> dict:
    return {
        "x": round(x / SIZE[0], 4),
        "y": round(y / SIZE[1], 4),
        "w": round(w / SIZE[0], 4),
        "h": round(h / SIZE[1], 4),
        "kind": kind,
    }


def face_item(face: Image.Image, side: int) -> tuple[Image.Image, Image.Image, tuple]:
    """A face crop with a feathered oval edge (no square seam) and the labelled face box."""
    face = tinted(face).resize((side, side), Image.Resampling.LANCZOS)
    if rng.random() < 0.3:
        face = face.rotate(rng.uniform(-12, 12), resample=Image.Resampling.BICUBIC)
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, side - 1, side - 1), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(side / 20))
    return face, mask, (0, 0, side, side)


def photo(
    index: int,
    bg: Image.Image,
    faces: list[Image.Image],
    n_faces: int,
    n_cars: int,
    distractors: int,
) -> tuple[Image.Image, list[dict]]:
    canvas = bg.copy()
    taken: list[tuple[int, int, int, int]] = []
    labels: list[dict] = []
    for _ in range(n_cars):
        car_image, (px, py, pw, ph), _kind = car(rng.randint(150, 330))
        angle = rng.uniform(-6, 6)
        if abs(angle) > 1:
            car_image = car_image.rotate(angle, expand=False, resample=Image.Resampling.BICUBIC)
        spot = place(canvas, car_image.convert("RGB"), taken, car_image.getchannel("A"))
        if spot:
            labels.append(normalised(spot[0] + px, spot[1] + py, pw, ph, "plate"))
    for _ in range(n_faces):
        face, mask, _ = face_item(rng.choice(faces), rng.randint(48, 150))
        spot = place(canvas, face, taken, mask)
        if spot:
            labels.append(normalised(spot[0], spot[1], face.width, face.height, "face"))
    for _ in range(distractors):
        sign(canvas, taken)
    canvas = ImageEnhance.Brightness(canvas).enhance(rng.uniform(0.6, 1.25))
    if rng.random() < 0.4:
        canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.4)))
    return canvas, labels


def sign(canvas: Image.Image, taken: list) -> None:
    """Street furniture that is not a plate: a blue road sign with white characters (long or
    square), or a face-like texture that is not a face (lfw_subset's non-faces)."""
    if rng.random() < 0.5:
        w = rng.randint(120, 260)
        h = int(w / rng.choice([1.2, 1.6, 6.0]))
        item = Image.new("RGB", (w, h), (20, 70, 160))
        draw = ImageDraw.Draw(item)
        font = ImageFont.truetype(FONT, max(12, h // 3))
        draw.text(
            (8, h // 4),
            rng.choice(["人民路", "解放大道", "出口", "停车场"]),
            font=font,
            fill=(250, 250, 250),
        )
    else:
        item = rng.choice(lfw_non_faces()).resize((90, 90)).convert("RGB")
    place(canvas, item, taken)


def main() -> None:
    faces = lfw_faces()
    bgs = backgrounds()
    labels: dict[str, list[dict]] = {}
    plans = (
        [(2, 0, 0)] * 14
        + [(0, 1, 0)] * 10
        + [(0, 2, 1)] * 6
        + [(1, 1, 1)] * 8
        + [(3, 0, 1)] * 4
        + [(0, 0, 2)] * 8
    )
    for index, (n_faces, n_cars, distractors) in enumerate(plans):
        image, boxes = photo(index, rng.choice(bgs), faces, n_faces, n_cars, distractors)
        name = f"s{index:02d}.jpg"
        image.save(HERE / name, "JPEG", quality=72)
        labels[name] = boxes
    # Two real photographs with hand-drawn boxes: scikit-image's astronaut (Eileen Collins,
    # frontal) and cameraman (a turned face in the open air).
    real = {
        "astronaut.jpg": (samples.astronaut(), [(170, 60, 110, 115, "face")]),
        "camera.jpg": (samples.camera(), [(185, 105, 85, 95, "face")]),
    }
    for name, (array, boxes) in real.items():
        image = Image.fromarray(array).convert("RGB")
        image.save(HERE / name, "JPEG", quality=80)
        w, h = image.size
        labels[name] = [
            {
                "x": round(x / w, 4),
                "y": round(y / h, 4),
                "w": round(bw / w, 4),
                "h": round(bh / h, 4),
                "kind": kind,
            }
            for x, y, bw, bh, kind in boxes
        ]
    (HERE / "labels.json").write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
