"""Distances between patches for the patch synthesis (``synthesis.py``):
mean squared RGB differences over a level's sampled offsets, or, on levels
with many targets, between projections on the photo's main patch components.
The level (``synthesis._Level``) is passed in; this module imports nothing
of the synthesis."""

from __future__ import annotations

import cv2
import numpy as np

R = 3  # patch radius, as synthesis.py's
FULL_DISTANCE = 2_000  # targets: up to this many, the distance reads all 49 pixels; above, COMPONENTS projections
COMPONENTS = 12
PCA_SAMPLES = 1000  # source patches the components are found from (2000 cost twice as much, same fills)
CHUNK = 16_384  # targets per distance call outside the search (memory)


def _basis(lv) -> np.ndarray:
    """The photo's ``COMPONENTS`` main patch components near the hole, as
    7 x 7 x 3 kernels (from up to ``PCA_SAMPLES`` source patches)."""
    rng = np.random.default_rng(1)
    pick = lv.sources[rng.integers(0, lv.sources.size, min(PCA_SAMPLES, lv.sources.size))]
    patches = np.ascontiguousarray(lv.src[pick[:, None] + lv.samples].reshape(pick.size, -1))
    # OpenCV, not numpy: BLAS threads crawl on a busy 2-core machine. The
    # covariance's SVD (its singular vectors are its eigenvectors, sorted),
    # not cv2.PCACompute, whose Jacobi eigen solver took 50 ms of the 57 of
    # each call (a tenth of the 12 MP job's fill); the components agree to
    # 1e-5, the fills differ by a grey level in a few pixels.
    covariance, _ = cv2.calcCovarMatrix(patches, None, cv2.COVAR_NORMAL | cv2.COVAR_ROWS, cv2.CV_64F)
    _, _, vectors = cv2.SVDecomp(covariance)
    return vectors[:COMPONENTS].reshape(-1, 2 * R + 1, 2 * R + 1, 3).astype(np.float32)


def _project(flat: np.ndarray, basis: np.ndarray, lv, box=None, out=None) -> np.ndarray:
    """Each position's patch projected on the basis (positions x components),
    by correlation filters; only within ``box`` (rows, columns) when given
    (elsewhere 0, or what ``out``, a positions x components buffer, held)."""
    img = flat.reshape(lv.h + 2 * R, lv.width, 3)
    # The channels split once, each component summed in its own plane and the
    # planes interleaved once at the end: the same sums as accumulating into
    # the strided (positions x components) array channel by channel, at a
    # quarter of the time (a fresh multi-megabyte array per call, 36 channel
    # copies and strided adds were most of it).
    planes = cv2.split(np.ascontiguousarray(img if box is None else img[box]))
    term = np.empty_like(planes[0])
    components = []
    for kernel in basis:
        acc = cv2.filter2D(planes[0], -1, kernel[..., 0], borderType=cv2.BORDER_REFLECT)
        for c in (1, 2):
            acc += cv2.filter2D(planes[c], -1, kernel[..., c], dst=term, borderType=cv2.BORDER_REFLECT)
        components.append(acc)
    if out is None:
        out = np.zeros((img.shape[0] * img.shape[1], len(basis)), np.float32)
    grid = out.reshape(img.shape[0], img.shape[1], len(basis))
    (grid if box is None else grid[box])[...] = cv2.merge(components)
    return out


def _features_buffer(lv) -> np.ndarray:
    """The level's buffer for the fill's projections, made again after every
    vote: allocated once (positions outside the targets' box are never read)."""
    if getattr(lv, "_features_buffer", None) is None:
        lv._features_buffer = np.zeros((lv.src.shape[0], len(lv.basis)), np.float32)
    return lv._features_buffer


def _distance(lv, cur: np.ndarray, t: np.ndarray, s: np.ndarray, weighted: bool = False) -> np.ndarray:
    """Mean squared RGB difference between the patches at ``t`` (in ``cur``)
    and ``s`` (in the photo), over the level's sampled offsets; with
    ``weighted`` each pixel of ``t``'s patch counts by its confidence.
    Infinite where ``s`` is not a valid source. In chunks, to bound memory."""
    d = np.empty(t.shape, np.float32)
    for a in range(0, t.size, CHUNK):
        d[a : a + CHUNK] = _compare(lv, _prepare(lv, cur, t[a : a + CHUNK], weighted), s[a : a + CHUNK])
    return d


def _prepare(lv, cur: np.ndarray, t: np.ndarray, weighted: bool) -> dict:
    """The target side of a distance, gathered once for all candidates of a
    sweep, with the buffers each candidate's comparison reuses. One fancy
    index per candidate, not a numpy call per patch pixel (on small levels
    the calls' overhead was most of the fill's time), into buffers made once
    (fresh multi-megabyte arrays per call cost more in page faults than the
    arithmetic)."""
    if lv.basis is not None and not weighted and cur is not lv.src:
        if lv.cur_features is None:
            lv.cur_features = _project(cur, lv.basis, lv, lv.box, _features_buffer(lv))  # targets only
        target = np.take(lv.cur_features, t, axis=0)
        return {"target": target, "buf": np.empty_like(target), "k": len(lv.samples)}
    # Confidence-weighted distances on a coarsest level with many targets
    # (scattered pieces that merge no further) read every other pixel.
    samples = lv.sparse if weighted and t.size > FULL_DISTANCE else lv.samples
    index = t[:, None] + samples
    prepared = {"target": np.take(cur, index, axis=0).reshape(t.size, -1), "index": np.empty_like(index), "samples": samples}
    prepared["buf"] = np.empty_like(prepared["target"])
    if weighted:
        w = np.take(lv.pixel_conf, index)
        prepared["weights"] = np.repeat(w, 3, axis=1)
        prepared["total"] = w.sum(axis=1)
    return prepared


def _compare(lv, prepared: dict, s: np.ndarray) -> np.ndarray:
    """Distances from prepared targets to the candidate sources ``s``."""
    target, buf = prepared["target"], prepared["buf"]
    if "index" not in prepared:  # principal-component features
        np.take(lv.src_features, s, axis=0, out=buf)
        np.subtract(target, buf, out=buf)
        d = np.einsum("ij,ij->i", buf, buf)
        d /= prepared["k"]
    else:
        index = prepared["index"]
        np.add(s[:, None], prepared["samples"], out=index)
        np.take(lv.src, index, axis=0, out=buf.reshape(s.size, -1, 3))
        np.subtract(target, buf, out=buf)
        if "weights" in prepared:
            np.multiply(buf, buf, out=buf)
            d = np.einsum("ij,ij->i", buf, prepared["weights"])
            d /= prepared["total"]
        else:
            d = np.einsum("ij,ij->i", buf, buf)
            d /= index.shape[1]
    # (in place, and the invalid positions looked up as such, ``lv.invalid``:
    # the same values without three temporary arrays per candidate)
    np.copyto(d, np.inf, where=np.take(lv.invalid, s))
    return d
