"""Fixtures shared by the core tests (tests/) and the built-in plugins' own tests (plugins/*/tests)."""

import ast
import hashlib
import json
import os
import sys
from pathlib import Path

# One OpenMP thread (torch, OpenBLAS where it loads later) unless the caller
# says otherwise: on CI's 2 busy cores a second thread spins while it waits
# for a core. The click-attention test, measured at load 14: 2.0 CPU-s and
# 20 s wall with 2 threads, 0.1 CPU-s and 0.5 s with one. Set before any
# import that reads it.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest

from eraser import cli, plugins


@pytest.fixture(autouse=True, scope="session")
def isolated_environment(tmp_path_factory):
    """Tests see an empty model store and no user settings, whatever this
    machine has installed; tests that need a model install their own."""
    patch = pytest.MonkeyPatch()
    patch.setenv("ERASER_MODELS_DIR", str(tmp_path_factory.mktemp("empty-model-store")))
    for name in ("ERASER_EMBEDDING_CACHE", "ERASER_RUNTIME", "ERASER_DISABLE_PLUGINS", "ERASER_BLOCK_PLUGINS"):
        patch.delenv(name, raising=False)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def mobile_sam_store(tmp_path_factory):
    """A random-weight MobileSAM (seed 1) saved as mobile_sam.pt and installed
    through ``eraser models install --from`` with its CoreML packages, once per
    test run: ``(store folder, the torch model)``. Point ``ERASER_MODELS_DIR``
    at the folder; tests must not change what is in it."""
    torch = pytest.importorskip("torch", reason="the random-weight checkpoint is made with torch")
    pytest.importorskip("coremltools")
    from eraser import modelstore
    from eraser_mobilesam import model as ms

    from eraser.testing.random_weights import randomize

    root = tmp_path_factory.mktemp("mobilesam-store")
    torch.manual_seed(0)
    model = randomize(ms.build_mobile_sam(), seed=1)
    checkpoint = root / "mobile_sam.pt"
    torch.save(model.state_dict(), checkpoint)
    md5 = hashlib.md5(checkpoint.read_bytes()).hexdigest()
    modelstore.install("mobile-sam", root / "models", from_file=checkpoint, md5=md5, coreml=True)
    return root / "models", model


@pytest.fixture
def register_plugin():
    """Register plugin objects in-process for one test; unregistered after."""
    pm = plugins.get_plugin_manager()
    added = []

    def add(obj, name=None):
        pm.register(obj, name=name)
        added.append(obj)
        return obj

    yield add
    for obj in added:
        pm.unregister(obj)


@pytest.fixture
def scene():
    """A textured 120x160 RGB image with a solid red disk (the object) and its mask."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:120, 0:160]
    base = np.stack([(xx * 1.2) % 256, (yy * 2.0) % 256, ((xx + yy) * 0.7) % 256], axis=-1)
    image = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
    mask = (xx - 80) ** 2 + (yy - 60) ** 2 <= 20**2
    image[mask] = (220, 30, 30)
    return image, mask


@pytest.fixture
def check_scene_erased(scene):
    """``check(inpainter)``: the pipeline given :func:`scene`'s disk as a mask
    changes exactly the widened hole, every pixel outside it kept, and no red
    is left where the disk was. The core's inpainters run it
    (tests/test_pipeline.py) and eraser-patchmatch its own."""
    from eraser import pipeline
    from eraser.prompts import Prompt
    from eraser.refine import DEFAULT_DILATE, dilate

    def check(inpainter: str) -> None:
        image, obj = scene
        result = pipeline.run(image, [Prompt(mask=obj.astype(np.float32))], inpainter=inpainter)
        assert result.image.shape == image.shape and result.image.dtype == np.uint8
        assert np.array_equal(result.hole, dilate(obj, DEFAULT_DILATE))
        untouched = result.keep == 1.0
        assert np.array_equal(untouched, ~result.hole)
        assert np.array_equal(result.image[untouched], image[untouched])
        # The red disk is replaced by something like its surroundings.
        red = (result.image[..., 0] > 180) & (result.image[..., 1] < 80)
        assert red[obj].mean() < 0.02
        assert result.segmenters == ["mask"] and result.inpainter == inpainter

    return check


@pytest.fixture
def eraser_cli(monkeypatch, capsys):
    """Run ``eraser ARGS`` in-process; returns (exit status, stdout, stderr)."""

    def call(*args):
        monkeypatch.setattr(sys, "argv", ["eraser", *map(str, args)])
        try:
            cli.main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def edit_sample(eraser_cli, tmp_path):
    """``eraser remove`` on a sample (samples/NAME: its photo and the points
    of its prompts.json) with the point segmenter and ``inpainter``,
    through the CLI; returns ``(result, photo, removal mask)`` as arrays: what
    ``image_snapshot.check(result, path, before=photo, mask=removal)`` takes."""

    def call(name: str, inpainter: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        from PIL import Image

        sample = Path(__file__).resolve().parent / "samples" / name
        photo = next(sample.glob("photo.*"))
        points = "+".join(f"{x},{y}" for x, y in json.loads((sample / "prompts.json").read_text())["points"])
        out, mask = tmp_path / f"{name}-{inpainter}.png", tmp_path / f"{name}-{inpainter}.mask.png"
        code, _, err = eraser_cli("remove", photo, "--point", points, "--segmenter", "point",
                                  "--inpainter", inpainter, "-o", out, "--save-mask", mask, "-q")
        assert code == 0, err
        with Image.open(out) as im, Image.open(photo) as before, Image.open(mask) as removal:
            return np.asarray(im), np.asarray(before), np.asarray(removal)

    return call


@pytest.fixture
def remove_sample(edit_sample):
    """:func:`edit_sample`'s result alone."""

    def call(name: str, inpainter: str) -> np.ndarray:
        return edit_sample(name, inpainter)[0]

    return call


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: model conversions, subprocesses and benchmarks (left out by -m 'not slow'); "
                            "a slow module says so itself: pytestmark = pytest.mark.slow")
    config.addinivalue_line("markers", "browser: clicks the web page in Chromium (skipped without it, except in CI)")


def pytest_ignore_collect(collection_path, config):
    """The quick loop (`-m "not slow"`) does not import the modules marked slow
    as a whole: it would deselect every test in them anyway, after importing
    torch, coremltools, onnxscript, Ray and Playwright for them (about a third
    of collecting the loop). Other -m expressions, and files named on the
    command line, are collected as usual."""
    if config.option.markexpr.strip() != "not slow" or not collection_path.name.startswith("test_"):
        return None
    if collection_path.suffix == ".py" and _marked_slow_as_a_whole(collection_path):
        return True
    return None


def _marked_slow_as_a_whole(path: Path) -> bool:
    """Whether the module's top-level ``pytestmark`` (its last assignment, the
    one pytest sees) is ``pytest.mark.slow`` or a list holding it. A module
    this cannot read is collected as usual, so that its own error names it."""
    try:
        body = ast.parse(path.read_bytes()).body
    except (SyntaxError, ValueError):
        return False
    slow = False
    for node in body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytestmark" for t in node.targets):
            marks = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else [node.value]
            slow = any(ast.unparse(mark) == "pytest.mark.slow" for mark in marks)
    return slow
