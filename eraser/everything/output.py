"""Writing segment-everything's results: a PNG per mask, masks.json, overlay.png."""

from __future__ import annotations

import colorsys
import json
import re
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


_MASK_FILE = re.compile(r"mask_\d{3,}\.png")


def names(count: int) -> list[str]:
    return [f"mask_{i:03d}.png" for i in range(count)]


def earlier_run(folder: Path) -> list[Path]:
    """The files of a segment-everything run in ``folder``: mask_NNN.png, masks.json, overlay.png."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _MASK_FILE.fullmatch(p.name) or p.name in ("masks.json", "overlay.png"))


def check_folder(folder: Path, overwrite: bool) -> None:
    """Before any work: ``folder`` can take a run. Without ``overwrite`` it may
    hold no earlier run's file (not even a mask the new run would not name)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise EraserError(f"{folder} is a file, not a folder (with --auto, -o names a folder)")
    found = earlier_run(folder)
    if found and not overwrite:
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        raise EraserError(f"{folder} exists with an earlier run in it ({found[0].name}{more}); use --force to replace it")


def write(folder: Path, image: np.ndarray, records: list[dict], *, source: Path, overwrite: bool) -> list[Path]:
    """The files in ``folder`` (created if missing); every one checked before any is written.

    With ``overwrite`` the earlier run's files are replaced, and its masks that
    the new masks.json does not list are removed (after masks.json is
    written), so the folder matches its manifest; other files are left alone.
    """
    from eraser.io import check_output, save_array
    from eraser.io.files import atomic_write, check_destination
    from eraser.io.signal_shield import SignalShield

    folder = Path(folder)
    check_folder(folder, overwrite)
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
    save_array(overlay(image, [r["mask"] for r in records]), files[-1], overwrite=overwrite)
    table = [{"file": p.name, **{k: v for k, v in r.items() if k != "mask"}} for p, r in zip(files, records)]
    stale = [p for p in earlier_run(folder) if p not in files]
    with SignalShield():  # the new manifest and the old masks' removal, not cut apart by a Ctrl-C
        atomic_write(files[-2], lambda f: f.write((json.dumps(table, indent=1) + "\n").encode()), overwrite=overwrite)
        for path in stale:
            path.unlink(missing_ok=True)
    return files
