"""A batch says each note once per run, not once per photo (what a user
reads on stderr, from the console command in a subprocess, workers too),
while the report keeps every photo's own notices."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from eraser.batching.report import Report
from eraser.batching.work import Record

FALLBACK = ("note: using segmenter 'point' because 'mobile-sam' is not available: "
            "model 'mobile-sam' is not installed; run: eraser models install mobile-sam")


def _photos(folder, count):
    folder.mkdir()
    rng = np.random.default_rng(3)
    for i in range(count):
        image = rng.integers(90, 110, (60, 80, 3), dtype=np.uint8)
        image[20:40, 30:50] = (220, 40, 40)
        Image.fromarray(image).save(folder / f"p{i}.png")
    pages = [Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)) for _ in range(2)]
    pages[0].save(folder / "z.tif", save_all=True, append_images=pages[1:])


@pytest.mark.slow  # the console command and its two worker processes; the report's grouping is quick below
def test_a_fallback_every_photo_meets_is_said_once_with_two_workers(tmp_path):
    _photos(tmp_path / "in", 5)
    # the model store is empty here (conftest), so auto passes over MobileSAM for every photo
    run = subprocess.run([sys.executable, "-m", "eraser.cli", "batch", tmp_path / "in", "-o", tmp_path / "out",
                          "--point", "40,30", "-i", "telea", "-j", "2", "--report", tmp_path / "r.json"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    notes = [line for line in run.stderr.splitlines() if line.startswith("note:")]
    assert notes == [
        FALLBACK + " (6 photos: p0.png, p1.png, p2.png and 3 more)",
        f"note: z.tif: {tmp_path / 'in' / 'z.tif'} has 2 frames (pages); only the first is edited and written",
    ], run.stderr
    import json

    records = {r["photo"]: r for r in json.loads((tmp_path / "r.json").read_text())["photos"]}
    assert len(records) == 6
    assert all(FALLBACK[len("note: "):] in r["notices"] for r in records.values())  # each record keeps its own


def test_the_report_groups_notes_and_leaves_the_records_alone():
    report = Report([Record("b.jpg", "done", notices=["x", "y"]), Record("a.jpg", "done", notices=["x"]),
                     Record("c.jpg", "failed", error="bad")])
    assert report.notes() == [("x", ["a.jpg", "b.jpg"]), ("y", ["b.jpg"])]
    assert [r.notices for r in report.records] == [["x", "y"], ["x"], []]
