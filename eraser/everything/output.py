"""Writing segment-everything's results: a PNG per mask, masks.json, overlay.png."""

from __future__ import annotations

import colorsys
import json
from pathlib import Path

import numpy as np

from eraser.errors import EraserError


def overlay(image: np.ndarray, masks: list[np.ndarray], alpha: float = 0.5) -> np.ndarray:
    """Each mask in its own colour over the photo (largest first, so small ones stay visible), outlined."""
    import cv2

    out = image.astype(np.float32).copy()
    order = sorted(range(len(masks)), key=lambda i: -int(masks[i].sum()))
    for rank, i in enumerate(order):
        hue = (rank * 0.618033988749895) % 1.0  # golden-ratio hues: neighbours differ
        colour = np.array(colorsys.hsv_to_rgb(hue, 0.85, 1.0), np.float32) * 255
        m = masks[i]
        out[m] = out[m] * (1 - alpha) + colour * alpha
        contours, _ = cv2.findContours(m.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(out, contours, -1, tuple(float(c) for c in colour), 1)
    return np.clip(out, 0, 255).astype(np.uint8)


def names(count: int) -> list[str]:
    return [f"mask_{i:03d}.png" for i in range(count)]


def write(folder: Path, image: np.ndarray, records: list[dict], *, source: Path, overwrite: bool) -> list[Path]:
    """The files in ``folder`` (created if missing); every one checked before any is written."""
    from eraser.io import check_output, save_array
    from eraser.io.files import atomic_write, check_destination

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise EraserError(f"{folder} is a file, not a folder")
    files = [folder / n for n in names(len(records))] + [folder / "masks.json", folder / "overlay.png"]
    if folder.exists():  # a new folder holds nothing to protect
        for path in files:
            if path.suffix == ".json":
                check_destination(path, [source], overwrite)
            else:
                check_output(path, source=source, inputs=[], overwrite=overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    for path, record in zip(files, records):
        save_array((record["mask"] * 255).astype(np.uint8), path, overwrite=overwrite)
    table = [{"file": p.name, **{k: v for k, v in r.items() if k != "mask"}} for p, r in zip(files, records)]
    atomic_write(files[-2], lambda f: f.write((json.dumps(table, indent=1) + "\n").encode()), overwrite=overwrite)
    save_array(overlay(image, [r["mask"] for r in records]), files[-1], overwrite=overwrite)
    return files
