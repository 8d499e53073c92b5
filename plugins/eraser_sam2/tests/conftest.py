"""Shared fixtures of the SAM 2.1 tests: a random tiny checkpoint (seeded,
the real architecture and key names, saved as Meta's files are) and its
torch-free install in a model store of its own."""

import pytest


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    torch = pytest.importorskip("torch")
    from eraser_sam2.random_weights import random_model, save_checkpoint

    torch.manual_seed(0)
    model = random_model("sam2.1-tiny", seed=1)
    path = tmp_path_factory.mktemp("sam2-ckpt") / "sam2.1_hiera_tiny.pt"
    save_checkpoint(model, path)
    return path, model


@pytest.fixture(scope="session")
def tiny_store(tiny_checkpoint, tmp_path_factory):
    """The tiny checkpoint installed the torch-free way (what `eraser models install` runs)."""
    from sam2_files import md5

    from eraser import modelstore

    path, _ = tiny_checkpoint
    store = tmp_path_factory.mktemp("sam2-store")
    modelstore.install("sam2.1-tiny", root=store, from_file=path, md5=md5(path))
    return store


@pytest.fixture
def with_tiny(tiny_store, monkeypatch):
    """The store with the tiny install is the user's store during the test."""
    from eraser import modelstore

    monkeypatch.setenv(modelstore.ENV_DIR, str(tiny_store))
    return tiny_store
