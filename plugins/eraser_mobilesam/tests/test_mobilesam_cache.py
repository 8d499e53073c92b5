"""The embedding cache reads data, never code, and drops what it cannot use
(issue 9 §4): pickles are not executed, entries of the wrong shape, dtype or
with NaN are removed, a bad ERASER_EMBEDDING_CACHE_MB is a one-line warning,
and a cache folder that cannot be written only costs speed. No torch needed."""

import io
import pickle
import os
import warnings

import numpy as np
import pytest

from eraser_mobilesam import cache as cache_module
from eraser_mobilesam.cache import EmbeddingCache
from eraser_mobilesam.interface import EMBEDDING_SHAPE

SHAPE = (1, 4, 8, 8)  # a small stand-in for (1, 256, 64, 64)


class Exploit:
    """Unpickling this would create ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import pathlib

        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def good():
    return np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)


def garbage_files(tmp_path):
    marker = tmp_path / "pwned"
    object_npy = io.BytesIO()
    np.save(object_npy, np.array([Exploit(marker)], dtype=object), allow_pickle=True)
    npz = io.BytesIO()
    np.savez(npz, a=good())
    truncated = io.BytesIO()
    np.save(truncated, good())
    return marker, {
        "a pickle": pickle.dumps(Exploit(marker)),
        "an object-dtype .npy": object_npy.getvalue(),
        "an .npz": npz.getvalue(),
        "a truncated .npy": truncated.getvalue()[:200],
        "random bytes": bytes(range(256)) * 4,
        "empty": b"",
    }


def test_garbage_files_are_never_executed_and_are_dropped(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    marker, files = garbage_files(tmp_path)
    cache = EmbeddingCache(folder=folder, shape=SHAPE)
    for kind, content in files.items():
        (folder / "k.npy").write_bytes(content)
        assert cache.get("k") is None, kind
        assert not marker.exists(), kind
        assert not (folder / "k.npy").exists(), kind  # removed, so the next put starts clean
    cache.put("k", good())
    assert np.array_equal(EmbeddingCache(folder=folder, shape=SHAPE).get("k"), good())


@pytest.mark.parametrize("entry", [
    np.zeros((1, 4, 8, 7), np.float32),
    np.zeros(SHAPE, np.float64),
    np.zeros(SHAPE, np.float16),
    np.zeros(SHAPE, np.int32),
    np.full(SHAPE, np.nan, np.float32),
    np.zeros((), np.float32),
], ids=["shape", "float64", "float16", "int32", "nan", "scalar"])
def test_wrong_entries_are_ignored_and_replaced(tmp_path, entry):
    np.save(tmp_path / "k.npy", entry)
    cache = EmbeddingCache(folder=tmp_path, shape=SHAPE)
    assert cache.get("k") is None and not (tmp_path / "k.npy").exists()
    cache.put("k", good())
    assert np.array_equal(EmbeddingCache(folder=tmp_path, shape=SHAPE).get("k"), good())


def test_the_segmenters_cache_expects_the_embedding_shape(monkeypatch, tmp_path):
    monkeypatch.setenv(cache_module.ENV_DIR, str(tmp_path))
    cache = EmbeddingCache.from_environment(shape=EMBEDDING_SHAPE)
    assert cache.shape == (1, 256, 64, 64) and cache.dtype == np.float32 and cache.folder == tmp_path


@pytest.mark.parametrize("value", ["abc", "-5", "1.5", "1e3", "nan", "0x10", "3 MB"])
def test_a_bad_cache_size_is_one_warning_and_the_default(monkeypatch, value):
    monkeypatch.setenv(cache_module.ENV_MB, value)
    with pytest.warns(UserWarning) as caught:
        cache = EmbeddingCache.from_environment()
    assert cache.max_bytes == 256 << 20
    assert len(caught) == 1 and "\n" not in str(caught[0].message)
    assert f"ERASER_EMBEDDING_CACHE_MB={value!r}" in str(caught[0].message)


@pytest.mark.parametrize("value, megabytes", [("", 256), (" 64 ", 64), ("0", 0)])
def test_good_cache_sizes_need_no_warning(monkeypatch, value, megabytes):
    monkeypatch.setenv(cache_module.ENV_MB, value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert EmbeddingCache.from_environment().max_bytes == megabytes << 20


def test_a_cache_folder_that_is_a_file_costs_speed_only(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file")
    for folder in (blocker, blocker / "under"):
        cache = EmbeddingCache(folder=folder, shape=SHAPE)
        assert cache.get("k") is None
        with pytest.warns(UserWarning, match="cannot write the embedding cache") as caught:
            cache.put("k", good())
            cache.put("j", good())
        assert len(caught) == 1  # once, not once per click
        assert np.array_equal(cache.get("k"), good())  # the in-memory cache still works
    assert blocker.read_text() == "a file"


def test_writes_leave_no_temporary_files_and_trim_to_the_budget(tmp_path):
    one = good().nbytes + 128  # an entry's file size, header included
    cache = EmbeddingCache(folder=tmp_path, max_bytes=2 * one, shape=SHAPE)
    for age, key in enumerate("abc"):
        cache.put(key, good())
        os.utime(tmp_path / f"{key}.npy", (1_000_000 + age, 1_000_000 + age))  # a before b before c
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.npy", "c.npy"]

