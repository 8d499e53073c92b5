"""Fetching a checkpoint: resumable, checked, with progress.

The bytes go to ``<store>/.downloads/<file>.part`` (beside it, ``.url``
names where they came from), so an interrupted download continues where it
stopped on the next ``eraser models install`` (an HTTP Range request). The
file leaves that folder only once its md5 (and sha256, when known) match.
Proxies come from the environment (``https_proxy``, ``no_proxy``...), as
urllib reads them; a stalled connection fails after ``timeout`` seconds
(``$ERASER_DOWNLOAD_TIMEOUT``, default 30).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable, Optional

from eraser.errors import EraserError

CHUNK = 1 << 20
TIMEOUT_ENV = "ERASER_DOWNLOAD_TIMEOUT"

Progress = Callable[[int, int], None]  # (bytes so far, total or 0)


def timeout() -> float:
    raw = os.environ.get(TIMEOUT_ENV, "30")
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise EraserError(f"${TIMEOUT_ENV} must be a number of seconds > 0, got {raw!r}")
    return value


def _digests(path: Path) -> tuple[str, str]:
    md5, sha = hashlib.md5(), hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            md5.update(block)
            sha.update(block)
    return md5.hexdigest(), sha.hexdigest()


def _offline_hint(url: str, name: str, why: str) -> str:
    return (f"cannot download {url}: {why}; offline? fetch that file by hand, then run: "
            f"eraser models install {name} --from FILE")


def _fetch(url: str, part: Path, progress: Optional[Progress], seconds: float, name: str) -> None:
    """Append the rest of ``url`` to ``part`` (restarting if the server
    ignores the range)."""
    import http.client
    import urllib.error
    import urllib.request

    have = part.stat().st_size if part.exists() else 0
    try:
        request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
        # a new opener reads the proxy settings of the environment now
        with urllib.request.build_opener().open(request, timeout=seconds) as response:
            status = getattr(response, "status", 200)
            if have and status != 206:  # no resume: start again
                have = 0
            length = int(response.headers.get("Content-Length") or 0)
            total = have + length if length else 0
            with open(part, "ab" if have else "wb") as out:
                done = have
                if progress:
                    progress(done, total)
                for block in iter(lambda: response.read(CHUNK), b""):
                    out.write(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
            if length and done != have + length:
                raise EraserError(_offline_hint(url, name, f"the connection closed after {done} of {total} bytes "
                                                           "(run the command again to resume)"))
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to fetch: the part is complete (or damaged: checked next)
            return
        raise EraserError(_offline_hint(url, name, f"HTTP {exc.code} {exc.reason}")) from None
    except EraserError:
        raise
    except (OSError, ValueError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        resume = " (run the command again to resume)" if part.exists() and part.stat().st_size else ""
        raise EraserError(_offline_hint(url, name, f"{str(reason) or type(exc).__name__}{resume}")) from None


def download(url: str, folder: Path, filename: str, *, md5: str = "", sha256: str = "",
             progress: Optional[Progress] = None, name: str = "NAME") -> Path:
    """The checked file ``folder/filename.part`` fetched (or resumed) from ``url``.

    Raises EraserError when the download fails (the part is kept to resume)
    or its checksum does not match (the part is deleted: it is not that file).
    """
    seconds = timeout()
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f"{filename}.part"
    source = folder / f"{filename}.url"
    if part.exists() and (not source.exists() or source.read_text().strip() != url):
        part.unlink()  # bytes of another address: not ours to resume
    source.write_text(url + "\n")
    _fetch(url, part, progress, seconds, name)
    got_md5, got_sha = _digests(part)
    wrong = [f"{kind} {got}, expected {want}" for kind, got, want in (("md5", got_md5, md5), ("sha256", got_sha, sha256))
             if want and got != want.lower()]
    if wrong:
        part.unlink()
        source.unlink(missing_ok=True)
        raise EraserError(f"downloaded {filename} does not match: {'; '.join(wrong)} "
                          "(a damaged download, or another file: it was deleted; pass --md5 to accept another)")
    source.unlink(missing_ok=True)
    return part
