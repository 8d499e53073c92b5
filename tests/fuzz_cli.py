"""Random eraser command lines, in process, for a fixed time: every run must end
with status 0 or 2 (or 1 only for a closed pipe, never here, and for a batch
whose photos failed, each on a 'failed:' line), an error must be one 'error: '
line, no traceback or internal error, inputs never change, no temp file is
left, and a batch writes one mask per photo or nothing.

Not collected by pytest (it runs for minutes):

    python tests/fuzz_cli.py [SECONDS=300] [SEED=0]

Prints the counts and one line per distinct failure.
"""

import contextlib
import hashlib
import io
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from eraser.cli.exits import run

SPOON = Path(__file__).resolve().parent.parent / "samples" / "coffee_spoon"
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 300
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 0)

work = Path(tempfile.mkdtemp(prefix="fuzz-cli-"))
os.chdir(work)
shutil.copy(SPOON / "photo.jpg", "photo.jpg")
shutil.copy(SPOON / "mask.png", "mask.png")
os.symlink("photo.jpg", "photolink.jpg")
os.link("mask.png", "maskhard.png")
os.mkdir("dir")
# A batch's photos whose masks (named by stem) would collide: a.jpg/a.png, b.jpg/b.JPG.
os.mkdir("photos")
from PIL import Image  # noqa: E402

_small = Image.open("photo.jpg").resize((96, 64))
for _name in ("a.jpg", "a.png", "b.jpg", "b.JPG", "c.png"):
    _small.save(os.path.join("photos", _name), format="PNG" if _name.endswith(".png") else "JPEG")
INPUTS = ["photo.jpg", "mask.png"] + [os.path.join("photos", n) for n in sorted(os.listdir("photos"))]


def digest():
    return {p: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in INPUTS}


BEFORE = digest()

NUMS = ["0", "1", "-1", "10", "100000", "99999999999999999999", "-99999999999999999999", "1.5", "nan", "inf", "-inf",
        "1e9", "1e400", "1" + "0" * 400, "-0", "0x10", "", " ", "abc", "٣", "1_000", "+5", "5e-324", "NaN", "Infinity"]
COORD = ["0", "5", "599", "600", "-1", "1e9", "nan", "inf", "3.5", "", "x", "99999999999999999999", "-0",
         "1" + "0" * 400, "-" + "9" * 400]
PATHS = ["photo.jpg", "mask.png", "photolink.jpg", "maskhard.png", "missing.png", "dir", "dir/", "/dev/null", "out.png",
         "out.jpg", "out.bmpx", "sub/missing/out.png", "o" * 300 + ".png", "./out.png", "dir/../out.png", "out.webp",
         "out.tif", "", "-", "out.PNG", "/proc/self/mem"]


def point():
    n = rng.choice([1, 1, 1, 2, 3])
    return "+".join(f"{rng.choice(COORD)},{rng.choice(COORD)}" for _ in range(n)) if rng.random() < 0.9 else rng.choice(["", "1", "1,2,3", ",", "a,b"])


def box():
    return ",".join(rng.choice(COORD) for _ in range(rng.choice([4, 4, 4, 3, 5])))


OPTIONS = {
    "--point": point, "-p": point, "--exclude": point, "-x": point, "--box": box, "-b": box,
    "--mask": lambda: rng.choice(PATHS), "-o": lambda: rng.choice(PATHS), "--output": lambda: rng.choice(PATHS),
    "--save-mask": lambda: rng.choice(PATHS), "--compare": lambda: rng.choice(PATHS),
    "--segmenter": lambda: rng.choice(["auto", "grabcut", "mask", "nope", "", "mobile-sam", "point"]),
    "--inpainter": lambda: rng.choice(["auto", "telea", "ns", "nope", "", "lama", "patchmatch"]),
    "-i": lambda: rng.choice(["telea", "ns"]),
    "--dilate": lambda: rng.choice(NUMS), "--feather": lambda: rng.choice(NUMS), "--max-pixels": lambda: rng.choice(NUMS),
    "--force": None, "-f": None, "-q": None, "-v": None, "--bogus": None, "--json": None, "--help": None,
}


def batch_case():
    """A batch over photos/ (some masks would share a name), perhaps with --save-mask."""
    args = ["batch", rng.choice(["photos", "photos", "missing", "photo.jpg"]), "-o", rng.choice(["bout", "bout", "photos", "dir"]),
            "--box", box() if rng.random() < 0.3 else "10,10,40,40", "-i", "telea", "-j", "1"]
    if rng.random() < 0.7:
        args += ["--save-mask", rng.choice(["masks", "masks", "bout/masks", "photos"])]
    for _ in range(rng.randint(0, 2)):
        args.append(rng.choice(["--force", "-q", "--dilate", "--feather"]))
        if args[-1] in ("--dilate", "--feather"):
            args.append(rng.choice(NUMS))
    return args


def check_batch(args, code, problems):
    """A batch that ran wrote one mask per photo (none replaced another); a usage error wrote nothing."""
    if not args or args[0] != "batch":
        return
    if code == 2 and (os.path.exists("bout") or os.path.exists("masks")):
        problems.append("a refused batch wrote files")
    if code == 0 and "--save-mask" in args:
        folder = args[args.index("--save-mask") + 1]
        masks = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        if len([m for m in masks if m.endswith(".png")]) != len(os.listdir("photos")):
            problems.append(f"masks {masks} for {len(os.listdir('photos'))} photos")


def case():
    if rng.random() < 0.1:
        return batch_case()
    command = rng.choice(["remove"] * 6 + ["segment"] * 2 + ["inpaint"] * 3 + ["plugins", "models", "junk", ""])
    args = [command] if command else []
    if command == "models":
        args.append(rng.choice(["list", "path", "verify", "nope", "install"]))
    if command in ("remove", "segment", "inpaint") and rng.random() < 0.95:
        args.append(rng.choice(["photo.jpg"] * 6 + PATHS))
    for _ in range(rng.randint(0, 6)):
        name = rng.choice(list(OPTIONS))
        if name == "--help" and rng.random() < 0.8:
            continue
        gen = OPTIONS[name]
        args.append(name)
        if gen is not None and rng.random() < 0.97:
            args.append(gen())
    if command in ("remove", "inpaint", "segment") and "-i" not in args and "--inpainter" not in args and command != "segment":
        args += ["-i", "telea"]  # keep runs short
    return args


counts = {"cases": 0, "rc0": 0, "rc2": 0, "rc1_batch_failed": 0, "failures": 0}
failures = []
deadline = time.monotonic() + SECONDS
while time.monotonic() < deadline:
    args = case()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(args)
    counts["cases"] += 1
    err_text = err.getvalue()
    problems = []
    batch_failed = bool(args) and args[0] == "batch" and code == 1 and "\nfailed: " in "\n" + err_text
    if code not in (0, 2) and not batch_failed:  # a batch with failed photos exits 1, as documented
        problems.append(f"status {code}")
    if "Traceback" in err_text or "internal error" in err_text:
        problems.append("traceback/internal error")
    if code == 2 and not (err_text.startswith("error: ") and len(err_text.strip().splitlines()) == 1):
        problems.append("not one error line")
    check_batch(args, code, problems)
    if digest() != BEFORE:
        problems.append("an input changed")
        for p in INPUTS:
            shutil.copy(SPOON / p, p)
    leftovers = [p for p in os.listdir(".") if p.endswith(".tmp")] + [p for p in os.listdir("dir") if p.endswith(".tmp")]
    if leftovers:
        problems.append(f"temp files {leftovers}")
        for p in leftovers:
            with contextlib.suppress(OSError):
                os.unlink(p)
    if problems:
        counts["failures"] += 1
        failures.append((args, code, problems, err_text.strip()[-300:]))
    elif code == 0:
        counts["rc0"] += 1
    elif batch_failed:
        counts["rc1_batch_failed"] += 1
    else:
        counts["rc2"] += 1
    for p in os.listdir("."):  # keep outputs from piling up (inputs and links stay)
        if p not in ("photo.jpg", "mask.png", "photolink.jpg", "maskhard.png", "dir", "photos"):
            with contextlib.suppress(OSError):
                shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
print(counts)
seen = set()
for args, code, problems, err in failures:
    key = (tuple(problems), err.splitlines()[-1][:80] if err else "")
    if key in seen:
        continue
    seen.add(key)
    print(args, code, problems, err.replace("\n", " | ")[:300])
shutil.rmtree(work, ignore_errors=True)
