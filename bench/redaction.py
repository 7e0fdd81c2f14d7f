"""Benchmark: recall and precision of the photo redaction detector (core/redaction.py) on the
labelled set in bench/redaction_set/ (made by its make_set.py), faces and plates apart, and
the time per photo. No database.

A labelled face or plate counts as found when a detected box of the same kind overlaps it
with IoU ≥ 0.3, or when the blurred regions (every detected box of any kind, enlarged by the
blur margin) cover at least 70 % of it: for privacy what matters is that it is blurred. A
detected box is a true positive when it overlaps a labelled box of its kind (IoU ≥ 0.3) or
lies mostly (≥ 50 %) inside one.

    .venv/bin/python bench/redaction.py [--variants]

--variants also measures the detector with parts switched off (profile cascade, plate
cascades, plate colour finder) and with other minNeighbors, which is how the defaults in
core.redaction.Settings were picked (docs/benchmarks.md, "Photo redaction").
"""

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SET = Path(__file__).resolve().parent / "redaction_set"
sys.path.insert(0, str(ROOT))

from core import redaction  # noqa: E402

IOU = 0.3
COVERAGE = 0.7


def iou(a: dict, b: dict) -> float:
    ix = max(0.0, min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]))
    iy = max(0.0, min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]))
    inter = ix * iy
    union = a["w"] * a["h"] + b["w"] * b["h"] - inter
    return inter / union if union else 0.0


def inside(a: dict, b: dict) -> float:
    """The part of a's area that lies inside b."""
    ix = max(0.0, min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]))
    iy = max(0.0, min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]))
    return ix * iy / (a["w"] * a["h"]) if a["w"] * a["h"] else 0.0


def coverage(truth: dict, found: list[dict], grid: int = 40) -> float:
    """The part of the labelled box that the blurred regions cover (sampled on a grid)."""
    xs = truth["x"] + (np.arange(grid) + 0.5) / grid * truth["w"]
    ys = truth["y"] + (np.arange(grid) + 0.5) / grid * truth["h"]
    gx, gy = np.meshgrid(xs, ys)
    covered = np.zeros_like(gx, dtype=bool)
    m = redaction.MARGIN
    for box in found:
        dx, dy = box["w"] * m, box["h"] * m
        covered |= (
            (gx >= box["x"] - dx)
            & (gx <= box["x"] + box["w"] + dx)
            & (gy >= box["y"] - dy)
            & (gy <= box["y"] + box["h"] + dy)
        )
    return float(covered.mean())


def evaluate(cfg: redaction.Settings = redaction.DEFAULT) -> dict:
    labels = json.loads((SET / "labels.json").read_text())
    stats = {
        kind: {"truth": 0, "found": 0, "detected": 0, "correct": 0} for kind in ("face", "plate")
    }
    seconds = []
    for name in sorted(labels):
        with Image.open(SET / name) as image:
            image.load()
            start = time.perf_counter()
            found = [box.as_dict() for box in redaction.detect(image, cfg)]
            seconds.append(time.perf_counter() - start)
        truths = labels[name]
        for truth in truths:
            kind = stats[truth["kind"]]
            kind["truth"] += 1
            same = [box for box in found if box["kind"] == truth["kind"]]
            if any(iou(truth, box) >= IOU for box in same) or coverage(truth, found) >= COVERAGE:
                kind["found"] += 1
        for box in found:
            kind = stats[box["kind"]]
            kind["detected"] += 1
            if any(
                t["kind"] == box["kind"] and (iou(t, box) >= IOU or inside(box, t) >= 0.5)
                for t in truths
            ):
                kind["correct"] += 1
    for kind in stats.values():
        kind["recall"] = kind["found"] / kind["truth"] if kind["truth"] else 1.0
        kind["precision"] = kind["correct"] / kind["detected"] if kind["detected"] else 1.0
    stats["photos"] = len(labels)  # type: ignore[assignment]
    stats["ms_per_photo"] = 1000 * sum(seconds) / len(seconds)  # type: ignore[assignment]
    return stats


def line(label: str, stats: dict) -> str:
    face, plate = stats["face"], stats["plate"]
    return (
        f"| {label} | {face['found']}/{face['truth']} = {face['recall']:.0%} | "
        f"{face['precision']:.0%} ({face['detected']}) | "
        f"{plate['found']}/{plate['truth']} = {plate['recall']:.0%} | "
        f"{plate['precision']:.0%} ({plate['detected']}) | {stats['ms_per_photo']:.0f} ms |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", action="store_true")
    args = parser.parse_args()
    print(
        "| detector | face recall | face precision (boxes) | plate recall | "
        "plate precision (boxes) | time per photo |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    base = redaction.DEFAULT
    print(line("default", evaluate(base)))
    if not args.variants:
        return
    variants = {
        "scale step 1.2": {"scale_factor": 1.2},
        "scale step 1.2, smallest face 24 px": {"scale_factor": 1.2, "min_face": 24},
        "no profile cascade": {"use_profile": False},
        "faces minNeighbors 3": {"face_neighbours": 3},
        "faces minNeighbors 4": {"face_neighbours": 4},
        "profile minNeighbors 3": {"profile_neighbours": 3},
        "plates: cascades only": {"use_plate_colour": False},
        "plates: colour finder only": {"use_plate_cascades": False},
        "plate cascades minNeighbors 5": {"plate_neighbours": 5},
    }
    for label, change in variants.items():
        print(line(label, evaluate(dataclasses.replace(base, **change))))


if __name__ == "__main__":
    main()
