"""How long ``eraser.io.load_mask`` takes beyond decoding, on 12 MP PNG masks.

    .venv/bin/python -m bench.mask_load [--width 4000] [--height 3000] [--runs 9]

Writes a 5 % disk as an 8-bit gray, RGB, RGBA (alpha strokes) and opaque RGBA
PNG mask, then times, best of ``--runs``, in CPU time of this process (steadier
than wall time on a shared machine; wall time is printed too):

- **decode**: ``Image.open`` + ``load()``, the floor any reader pays;
- **load_mask**: the whole call;
- **reference**: the obvious way, ``load_image`` (full RGB) + ``max`` over the
  channels + ``astype(float32) / 255``, which is what ``load_mask`` did before.

The target (issue 10) is at most 50 ms beyond decoding for a 12 MP mask.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from eraser.io import load_image, load_mask


def best(fn, runs: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds), each the best of ``runs``."""
    cpu, wall = [], []
    for _ in range(runs):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return min(cpu), min(wall)


def reference(path: Path) -> np.ndarray:
    loaded = load_image(path)
    if loaded.alpha is not None and (loaded.alpha < 255).any():
        return loaded.alpha.astype(np.float32) / 255.0
    return loaded.rgb.max(axis=2).astype(np.float32) / 255.0


def masks(width: int, height: int) -> dict[str, Image.Image]:
    yy, xx = np.ogrid[:height, :width]
    radius = (0.05 * width * height / np.pi) ** 0.5
    disk = np.where((xx - width / 2) ** 2 + (yy - height / 2) ** 2 <= radius**2, 255, 0).astype(np.uint8)
    rgb = np.repeat(disk[:, :, None], 3, axis=2)
    return {
        "L": Image.fromarray(disk),
        "RGB": Image.fromarray(rgb),
        "RGBA strokes": Image.fromarray(np.dstack([np.zeros_like(rgb), disk])),
        "RGBA opaque": Image.fromarray(np.dstack([rgb, np.full_like(disk, 255)])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    w, h = args.width, args.height
    print(f"{w}x{h} PNG masks, best of {args.runs}; milliseconds CPU (wall)")
    print(f"{'mask':14s} {'decode':>14s} {'load_mask':>14s} {'beyond':>14s} {'reference':>14s} {'beyond':>14s}")
    with tempfile.TemporaryDirectory() as folder:
        for kind, im in masks(w, h).items():
            path = Path(folder) / f"{kind.replace(' ', '-')}.png"
            im.save(path)

            def decode() -> None:
                with Image.open(path) as opened:
                    opened.load()

            assert np.array_equal(load_mask(path, w, h), reference(path))
            dec = best(decode, args.runs)
            new = best(lambda: load_mask(path, w, h), args.runs)
            ref = best(lambda: reference(path), max(3, args.runs // 3))
            cells = [dec, new, (new[0] - dec[0], new[1] - dec[1]), ref, (ref[0] - dec[0], ref[1] - dec[1])]
            print(f"{kind:14s} " + " ".join(f"{1000 * c:6.0f} ({1000 * t:5.0f})" for c, t in cells))


if __name__ == "__main__":
    main()
