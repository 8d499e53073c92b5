"""Random eraser.remove calls for a fixed time: every call must return a
result or raise a one-line EraserError, leave the input array unchanged and
change no pixel outside the hole. (tests/fuzz_cli.py does the same for the
command line; tests/test_properties.py runs such properties in seconds.)

Not collected by pytest (it runs for minutes):

    python tests/fuzz_api.py [SECONDS=300] [SEED=0]

Prints the counts and one line per distinct failure.
"""

from __future__ import annotations

import random
import sys
import time

import numpy as np

JUNK = [None, "", "x", "1,2", "1,2,3,4", "nan,1", "1e999,3", "-5,-5", "0,0", "5,5+6,6", b"1,2", 3, 2.5,
        float("nan"), float("inf"), -1, 10**30, 10**400, -(10**400), True, [], [[]], {}, (1,), (1, 2, 3), object()]


def random_number(rng: random.Random):
    return rng.choice([
        rng.randint(-20, 80), rng.uniform(-20, 80), float("nan"), float("inf"), -float("inf"), 10**25, 10**400,
        np.int64(rng.randint(0, 60)), np.float32(rng.uniform(0, 60)), np.uint8(rng.randint(0, 255)),
    ])


def random_point(rng: random.Random):
    kind = rng.randrange(6)
    if kind == 0:
        return (random_number(rng), random_number(rng))
    if kind == 1:
        return np.array([rng.uniform(0, 60), rng.uniform(0, 60)])
    if kind == 2:
        return f"{rng.uniform(-5, 70):.1f},{rng.uniform(-5, 70):.1f}"
    if kind == 3:
        return [random_point(rng) for _ in range(rng.randint(0, 3))]
    return rng.choice(JUNK)


def random_box(rng: random.Random):
    if rng.random() < 0.6:
        x0, y0 = rng.randint(-5, 50), rng.randint(-5, 50)
        return (x0, y0, x0 + rng.randint(-3, 40), y0 + rng.randint(-3, 40))
    return rng.choice(JUNK + [tuple(random_number(rng) for _ in range(4))])


def random_image(rng: random.Random):
    h, w = rng.randint(1, 48), rng.randint(1, 48)
    kind = rng.randrange(10)
    gen = np.random.default_rng(rng.randrange(2**32))
    if kind < 6:
        return gen.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if kind == 6:
        return gen.integers(0, 256, (h, w, 4), dtype=np.uint8)
    if kind == 7:
        return gen.integers(0, 256, (h, w), dtype=np.uint8)
    return rng.choice([gen.random((h, w, 3)), np.zeros((h, w, 2), np.uint8), np.zeros((0, w, 3), np.uint8), b"junk", None])


SUCCEEDED = 0  # calls that returned an image (the rest raised EraserError or failed)


def fuzz_api(seconds: float, seed: int = 0) -> tuple[int, list[str]]:
    import eraser
    from eraser import EraserError

    rng = random.Random(seed)
    count, failures = 0, []
    global SUCCEEDED
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        count += 1
        image = random_image(rng)
        kwargs = dict(
            points=rng.choice([None, random_point(rng), [random_point(rng) for _ in range(rng.randint(0, 3))],
                               [(rng.randint(0, 40), rng.randint(0, 40))]]),
            box=rng.choice([None, random_box(rng), [random_box(rng) for _ in range(rng.randint(0, 2))]]),
            exclude=rng.choice([None, [random_point(rng)]]),
            dilate=rng.choice([10, rng.randint(0, 8), random_number(rng)]),
            feather=rng.choice([5.0, rng.uniform(0, 4), random_number(rng)]),
            inpainter=rng.choice(["telea", "ns", "auto", "nope"]),
            segmenter=rng.choice(["auto", "grabcut", "point"]),
        )
        if rng.random() < 0.5:  # half the calls: one random argument, the others sensible
            keep = rng.choice(list(kwargs))
            sensible = dict(points=None, box=random_box(rng) if rng.random() < 0.5 else None, exclude=None, dilate=rng.randint(0, 12),
                            feather=rng.uniform(0, 6), inpainter=rng.choice(["telea", "ns"]), segmenter="auto")
            if sensible["box"] is None:
                sensible["points"] = [(rng.uniform(0, 48), rng.uniform(0, 48))]
            kwargs = {k: (kwargs[k] if k == keep else v) for k, v in sensible.items()}
            if rng.random() < 0.8:
                image = np.random.default_rng(count).integers(0, 256, (rng.randint(1, 64), rng.randint(1, 64), 3), dtype=np.uint8)
        if isinstance(image, np.ndarray) and image.ndim >= 2 and image.size and rng.random() < 0.3:
            mask = np.zeros(image.shape[:2], bool)
            mask[: max(1, image.shape[0] // 2), : max(1, image.shape[1] // 3)] = True
            kwargs["mask"], kwargs["points"], kwargs["box"] = mask, None, None
        before = image.copy() if isinstance(image, np.ndarray) else None
        try:
            out, removal = eraser.remove(image, return_mask=True, **kwargs)
        except EraserError as exc:
            if "\n" in str(exc):
                failures.append(f"multi-line error: {str(exc)[:80]!r}")
            continue
        except Exception as exc:  # the finding
            failures.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:100] if str(exc) else ''}")
            continue
        SUCCEEDED += 1
        if before is not None and not np.array_equal(before, image):
            failures.append("the input array was modified")
        rgb = np.asarray(out)
        if rgb.shape != before.shape or not np.array_equal(rgb[removal == 0], before[removal == 0]):
            failures.append(f"pixels outside the hole changed ({kwargs['inpainter']}, {before.shape})")
    return count, failures


BATCH_JUNK = [None, 3, 2.5, b"x", ["a"], (), "", True, 10**400, object()]


def fuzz_batch_arguments(count: int, seed: int = 0) -> list[str]:
    """eraser.batch with one argument of a wrong type: an EraserError before
    anything is written (eraser.batch("in", None) once wrote into "None")."""
    import os
    import tempfile

    import eraser
    from eraser import EraserError

    rng = random.Random(seed)
    failures = []
    names = ["input", "output", "masks", "prompts", "mask", "save_mask", "points", "exclude", "boxes", "recursive",
             "force", "segmenter", "inpainter", "max_pixels", "dilate", "feather", "progress", "jobs"]
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "in"))
        from PIL import Image

        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(os.path.join(tmp, "in", "a.png"))
        here = os.getcwd()
        os.chdir(tmp)
        try:
            for _ in range(count):
                name, value = rng.choice(names), rng.choice(BATCH_JUNK)
                args = {"input": "in", "output": "out", "boxes": ["1,1,5,5"], "inpainter": "telea", name: value}
                try:
                    eraser.batch(args.pop("input"), args.pop("output"), **args)
                except EraserError as exc:
                    if "\n" in str(exc):
                        failures.append(f"batch {name}={value!r}: multi-line error")
                except Exception as exc:  # the finding
                    failures.append(f"batch {name}={str(value)[:20]!r}: {type(exc).__name__}: {str(exc)[:80]}")
                extra = sorted(set(os.listdir(".")) - {"in", "out"})  # "None", "3", ...: a value taken as a name
                if extra:
                    failures.append(f"batch {name}={str(value)[:20]!r} wrote {extra}")
                    break
        finally:
            os.chdir(here)
    return failures


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 300
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    start = time.monotonic()
    count, failures = fuzz_api(seconds, seed)
    failures += fuzz_batch_arguments(200, seed)
    print(f"api: {count} calls in {time.monotonic() - start:.0f} s ({SUCCEEDED} erased, the rest one-line errors), "
          f"{len(failures)} failures")
    for line in sorted(set(failures))[:25]:
        print("  " + line)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
