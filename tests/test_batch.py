"""`eraser batch`: outputs equal `eraser remove` photo by photo, bad photos are
reported while the rest go on, resume, worker processes, fsspec URLs, prompts files."""

import json
import shutil
import signal
import subprocess
import sys

import pytest
from PIL import Image

import eraser
from batch_helpers import make_shoot
from eraser.errors import EraserError
from eraser.session import Session


pytestmark = pytest.mark.slow  # model conversions, subprocesses or whole-photo runs: out of the quick loop


@pytest.fixture(scope="module")
def shoot(tmp_path_factory):
    return make_shoot(tmp_path_factory.mktemp("shoot"))


def _reference(photo, mask, out):
    """What `eraser remove PHOTO --mask MASK -i telea -o OUT` writes (its code path, in process)."""
    s = Session(str(photo), inpainter="telea")
    s.add(mask=str(mask))
    s.erase()
    s.save(out, overwrite=True)
    return out.read_bytes()


def test_outputs_equal_remove_photo_by_photo(shoot, tmp_path):
    photos, masks, names = shoot
    report = eraser.batch(str(photos), str(tmp_path / "out"), recursive=True, masks=str(masks), inpainter="telea",
                          jobs=1)
    assert report.ok and report.count("done") == 20
    for rel in names:
        mask = (masks / rel).with_suffix(".png")
        assert (tmp_path / "out" / rel).read_bytes() == _reference(photos / rel, mask, tmp_path / "ref.jpg"), rel
    # and against the real command for two of them
    for rel in names[:2]:
        cli = tmp_path / "cli.jpg"
        subprocess.run([sys.executable, "-m", "eraser.cli", "remove", photos / rel, "--mask",
                        (masks / rel).with_suffix(".png"), "-i", "telea", "-o", cli, "-q", "--force"], check=True)
        assert (tmp_path / "out" / rel).read_bytes() == cli.read_bytes()
    records = {r.photo: r for r in report.records}
    assert all(0 < records[rel].changed < 0.2 for rel in names)


def test_a_bad_photo_is_reported_and_the_rest_go_on(shoot, tmp_path, eraser_cli):
    photos, masks, names = shoot
    src, msk = tmp_path / "in", tmp_path / "masks"
    shutil.copytree(photos, src)
    shutil.copytree(masks, msk)
    data = (src / names[0]).read_bytes()
    (src / names[0]).write_bytes(data[: len(data) // 3])  # a JPEG cut short: corrupt
    Image.new("L", (10, 10), 255).save((msk / names[1]).with_suffix(".png"))  # the wrong size
    code, _, err = eraser_cli("batch", src, "-o", tmp_path / "out", "-r", "--masks", msk, "-i", "telea", "-j", "1",
                              "--report", tmp_path / "report.json")
    assert code == 1
    report = json.loads((tmp_path / "report.json").read_text())
    status = {r["photo"]: r for r in report["photos"]}
    assert status[names[0]]["status"] == "failed" and status[names[0]]["error"]
    assert status[names[1]]["status"] == "failed" and "the mask is 10x10" in status[names[1]]["error"]
    assert sum(r["status"] == "done" for r in report["photos"]) == 18
    assert f"failed: {names[0]}" in err and "18 done, 0 skipped (output exists), 2 failed" in err
    assert not (tmp_path / "out" / names[0]).exists() and not (tmp_path / "out" / names[1]).exists()
    assert not [p for p in (tmp_path / "out").rglob("*") if p.name.startswith(".")]  # no temporary files


def test_resume_does_only_what_is_left(shoot, tmp_path):
    photos, masks, _ = shoot
    out = tmp_path / "out"

    def stop_after_five(record, done, total):
        if done == 5:
            raise KeyboardInterrupt

    first = eraser.batch(str(photos), str(out), recursive=True, masks=str(masks), inpainter="telea", jobs=1,
                         progress=stop_after_five)
    assert first.interrupted and first.count("done") == 5
    again = eraser.batch(str(photos), str(out), recursive=True, masks=str(masks), inpainter="telea", jobs=1)
    assert again.count("skipped") == 5 and again.count("done") == 15 and again.ok
    forced = eraser.batch(str(photos), str(out), recursive=True, masks=str(masks), inpainter="telea", jobs=1,
                          force=True)
    assert forced.count("done") == 20


def test_worker_processes_equal_one_process(shoot, tmp_path):
    photos, masks, names = shoot
    one = eraser.batch(str(photos), str(tmp_path / "one"), recursive=True, masks=str(masks), inpainter="telea", jobs=1)
    two = eraser.batch(str(photos), str(tmp_path / "two"), recursive=True, masks=str(masks), inpainter="telea", jobs=2)
    assert one.ok and two.ok
    for rel in names:
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes()


def test_fsspec_memory_in_and_out(shoot, tmp_path):
    import fsspec

    photos, masks, names = shoot
    fs = fsspec.filesystem("memory")
    for rel in names:
        fs.pipe(f"/shoot/in/{rel}", (photos / rel).read_bytes())
        fs.pipe(f"/shoot/masks/{rel[:-4]}.png", (masks / rel).with_suffix(".png").read_bytes())
    report = eraser.batch("memory://shoot/in", "memory://shoot/out", recursive=True, masks="memory://shoot/masks",
                          inpainter="telea", jobs=1, save_mask="memory://shoot/refined")
    assert report.ok and report.count("done") == 20
    local = eraser.batch(str(photos), str(tmp_path / "out"), recursive=True, masks=str(masks), inpainter="telea",
                         jobs=1)
    assert local.ok
    for rel in names:
        assert fs.cat(f"/shoot/out/{rel}") == (tmp_path / "out" / rel).read_bytes()
        assert fs.exists(f"/shoot/refined/{rel[:-4]}.png")
    fs.rm("/shoot", recursive=True)


def test_prompts_files(shoot, tmp_path):
    photos, masks, names = shoot
    lines = [json.dumps({"photo": names[0], "mask": str((masks / names[0]).with_suffix(".png"))}),
             json.dumps({"photo": names[1], "boxes": [[5, 5, 40, 40]]}),
             json.dumps({"photo": names[2], "points": ["30,30"], "exclude": [[1, 1]]})]
    jsonl = tmp_path / "prompts.jsonl"
    jsonl.write_text("\n".join(lines) + "\n")
    report = eraser.batch(str(photos), str(tmp_path / "out"), recursive=True, prompts=str(jsonl), inpainter="telea",
                          jobs=1)
    assert report.ok and report.count("done") == 3
    s = Session(str(photos / names[1]), inpainter="telea")
    s.add(boxes=["5,5,40,40"])
    s.erase()
    s.save(tmp_path / "ref.jpg")
    assert (tmp_path / "out" / names[1]).read_bytes() == (tmp_path / "ref.jpg").read_bytes()
    csv = tmp_path / "prompts.csv"
    csv.write_text(f"photo,points,exclude,boxes,mask\n{names[1]},,,5,5,40,40;1,1,9,9,\n")
    with pytest.raises(EraserError):  # an unquoted comma cell: a clear error, not a guess
        eraser.batch(str(photos), str(tmp_path / "csv"), recursive=True, prompts=str(csv), jobs=1)
    csv.write_text(f'photo,points,exclude,boxes,mask\n{names[1]},,,"5,5,40,40",\n')
    report = eraser.batch(str(photos), str(tmp_path / "csv"), recursive=True, prompts=str(csv), inpainter="telea",
                          jobs=1)
    assert report.ok and (tmp_path / "csv" / names[1]).read_bytes() == (tmp_path / "ref.jpg").read_bytes()


@pytest.mark.parametrize("name, message", [
    ("notes.jpg", "'notes.jpg' in the input folder is not a photo or clip eraser can read"),
    ("missing.jpg", "no photo 'missing.jpg' in the input folder"),
])
def test_a_prompts_line_names_what_is_wrong_with_its_photo(tmp_path, name, message):
    """A text file named .jpg is there but is no photo: said so, not 'no photo'
    (a new user read that as a wrong path)."""
    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("RGB", (30, 20)).save(folder / "a.png")
    (folder / "notes.jpg").write_text("shopping list")
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(json.dumps({"photo": "a.png", "points": ["5,5"]}) + "\n" + json.dumps({"photo": name}) + "\n")
    with pytest.raises(EraserError) as caught:
        eraser.batch(str(folder), str(tmp_path / "out"), prompts=str(prompts), inpainter="telea")
    assert str(caught.value) == f"{prompts}:2: {message}"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, message", [
    (["IN", "-o", "IN", "--point", "3,3"], "output folder is the input folder"),
    (["IN", "-o", "IN/out", "-r", "--point", "3,3"], "inside the input folder"),
    (["NOPE", "-o", "OUT", "--point", "3,3"], "not a folder"),
    (["IN", "-o", "OUT"], "nothing to remove"),
    (["IN", "-o", "OUT", "--point", "3,3", "--masks", "MASKS"], "one source of prompts"),
    (["IN", "-o", "OUT", "--point", "3,3", "-j", "0"], "--jobs"),
    (["IN", "-o", "OUT", "--point", "3,3", "-i", "nope"], "nope"),
    (["IN", "-o", "OUT", "--point", "3,3", "-s", "nope"], "unknown segmenter 'nope'"),
    (["IN", "-o", "OUT", "--point", "3,3", "-s", "grabcut"], "does not accept a point prompt"),
    (["IN", "-o", "OUT", "--prompts", "MASKS"], "prompts file"),
    (["EMPTY", "-o", "OUT", "--point", "3,3"], "no photos in"),
    (["IN", "-o", "OUT", "-r", "--point", "3,3", "--save-mask", "IN"], "--save-mask names a folder of inputs"),
    (["IN", "-o", "OUT", "-r", "--masks", "MASKS", "--save-mask", "MASKS"], "--save-mask names a folder of inputs"),
    (["IN", "-o", "MASKS", "-r", "--masks", "MASKS"], "--masks and --output name one folder"),
    (["IN", "-o", "OUT", "--point", "3,3", "--report", "PHOTO"], "is a photo; the report would replace it"),
    (["IN", "-o", "OUT", "--point", "nan,3"], "bad point"),
])
def test_usage_errors_exit_2(shoot, tmp_path, eraser_cli, args, message):
    photos, masks, _ = shoot
    (tmp_path / "empty").mkdir()
    subst = {"IN": str(photos), "IN/out": str(photos / "out"), "MASKS": str(masks), "OUT": str(tmp_path / "out"),
             "NOPE": str(tmp_path / "nope"), "EMPTY": str(tmp_path / "empty"), "PHOTO": str(photos / "p00.jpg")}
    before = {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()}
    code, _, err = eraser_cli("batch", *[subst.get(a, a) for a in args])
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()
    assert {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()} == before


def test_ctrl_c_stops_after_the_photos_in_flight(shoot, tmp_path):
    photos, masks, _ = shoot
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "eraser.cli", "batch", photos, "-o", out, "-r", "--masks", masks,
                             "-i", "patchmatch", "-j", "2"], stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("[2/"):
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stderr.read()
    code = proc.wait(60)
    assert code == 130, lines + [rest]
    assert "not started (interrupted)" in rest
    written = [p for p in out.rglob("*") if p.is_file()]
    assert 2 <= len(written) < 20
    for p in written:
        assert not p.name.startswith(".")
        Image.open(p).load()  # whole files only


def test_a_killed_batch_resumes_to_the_same_outputs(shoot, tmp_path):
    """SIGKILL mid-batch (no clean-up at all), then the same command: the
    outputs equal an uninterrupted run's, and nothing half-written is taken
    for a done photo."""
    photos, masks, names = shoot
    command = [sys.executable, "-m", "eraser.cli", "batch", photos, "-o", tmp_path / "out", "-r", "--masks", masks,
               "-i", "patchmatch", "-j", "1"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if line.startswith("[3/"):
            proc.kill()
            break
    proc.wait(60)
    assert proc.returncode == -signal.SIGKILL
    assert len(list((tmp_path / "out").rglob("*.jpg"))) < 20
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "skipped" in again.stderr
    clean = eraser.batch(str(photos), str(tmp_path / "clean"), recursive=True, masks=str(masks),
                         inpainter="patchmatch", jobs=1)
    assert clean.ok
    for rel in names:
        assert (tmp_path / "out" / rel).read_bytes() == (tmp_path / "clean" / rel).read_bytes(), rel
