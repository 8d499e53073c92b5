"""Photos for the batch tests: small textured scenes with one object each, and their masks."""

import numpy as np
from PIL import Image


def make_shoot(root, count=20):
    """``count`` photos (a few in a sub-folder) in root/in, their masks in root/masks."""
    photos, masks = root / "in", root / "masks"
    rng = np.random.default_rng(0)
    names = []
    for i in range(count):
        rel = f"sub/p{i:02d}.jpg" if i % 7 == 3 else f"p{i:02d}.jpg"
        h, w = 72, 96
        yy, xx = np.mgrid[0:h, 0:w]
        base = np.stack([(xx * 2 + i * 9) % 256, (yy * 3) % 256, ((xx + yy) * 2) % 256], axis=-1)
        image = np.clip(base + rng.normal(0, 5, base.shape), 0, 255).astype(np.uint8)
        cx, cy = 20 + (i * 5) % 50, 20 + (i * 3) % 30
        obj = (xx - cx) ** 2 + (yy - cy) ** 2 <= 10 ** 2
        image[obj] = (230, 30, 30)
        for folder, data in ((photos, Image.fromarray(image)), (masks, Image.fromarray((obj * 255).astype(np.uint8)))):
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            data.save(path.with_suffix(".png") if folder == masks else path, quality=92)
        names.append(rel)
    return photos, masks, names
