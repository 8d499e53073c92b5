"""Model downloads against a real local HTTP server (no network): resume after
an interruption, checksums before the store, timeouts, proxies, one-line errors."""

import hashlib
import http.server
import os
import re
import threading
import time

import pytest

from eraser import download
from eraser.errors import EraserError

DATA = os.urandom(3 * download.CHUNK + 12345)
MD5 = hashlib.md5(DATA).hexdigest()
SHA = hashlib.sha256(DATA).hexdigest()


class Server:
    """Serves DATA at /big-lama.pt; `mode` makes it misbehave."""

    def __init__(self):
        self.mode = "ok"
        self.requests = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                owner.requests.append((self.path, self.headers.get("Range")))
                if not self.path.endswith("/big-lama.pt"):
                    self.send_error(404, "Not Found")
                    return
                start = 0
                match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
                if match and owner.mode != "no-range":
                    start = int(match.group(1))
                    if start >= len(DATA):
                        self.send_error(416, "Range Not Satisfiable")
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(DATA) - 1}/{len(DATA)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(DATA) - start))
                self.end_headers()
                body = DATA[start:]
                if owner.mode == "cut":  # the connection drops half-way
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if owner.mode == "stall":
                    self.wfile.write(body[:1000])
                    self.wfile.flush()
                    time.sleep(3)
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/models/big-lama.pt"
        # a short poll: shutdown() waits up to one poll interval (0.5 s by default, in every test's teardown)
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def test_download_checks_and_returns_the_part(server, tmp_path):
    seen = []
    part = download.download(server.url, tmp_path, "big-lama.pt", md5=MD5, sha256=SHA,
                             progress=lambda done, total: seen.append((done, total)))
    assert part.read_bytes() == DATA
    assert seen[0] == (0, len(DATA)) and seen[-1] == (len(DATA), len(DATA))
    assert not (tmp_path / "big-lama.pt.url").exists()


def test_an_interrupted_download_resumes(server, tmp_path):
    server.mode = "cut"
    with pytest.raises(EraserError, match="closed after .*run the command again to resume") as err:
        download.download(server.url, tmp_path, "big-lama.pt", md5=MD5)
    assert "\n" not in str(err.value) and "--from FILE" in str(err.value)
    kept = (tmp_path / "big-lama.pt.part").stat().st_size
    assert 0 < kept < len(DATA)
    server.mode = "ok"
    part = download.download(server.url, tmp_path, "big-lama.pt", md5=MD5, sha256=SHA)
    assert part.read_bytes() == DATA
    assert server.requests[-1][1] == f"bytes={kept}-"  # only the rest was fetched


def test_a_server_without_ranges_restarts_cleanly(server, tmp_path):
    (tmp_path / "big-lama.pt.part").write_bytes(DATA[:1000])
    (tmp_path / "big-lama.pt.url").write_text(server.url)
    server.mode = "no-range"
    assert download.download(server.url, tmp_path, "big-lama.pt", md5=MD5).read_bytes() == DATA


def test_a_complete_part_is_not_fetched_again(server, tmp_path):
    (tmp_path / "big-lama.pt.part").write_bytes(DATA)
    (tmp_path / "big-lama.pt.url").write_text(server.url)
    assert download.download(server.url, tmp_path, "big-lama.pt", md5=MD5).read_bytes() == DATA
    assert server.requests == [("/models/big-lama.pt", f"bytes={len(DATA)}-")]


def test_a_part_from_another_address_is_not_resumed(server, tmp_path):
    (tmp_path / "big-lama.pt.part").write_bytes(b"junk from elsewhere")
    (tmp_path / "big-lama.pt.url").write_text("http://elsewhere/big-lama.pt")
    assert download.download(server.url, tmp_path, "big-lama.pt", md5=MD5).read_bytes() == DATA
    assert server.requests[0][1] is None


@pytest.mark.parametrize("kind", ["md5", "sha256"])
def test_a_wrong_checksum_deletes_the_download(server, tmp_path, kind):
    sums = {"md5": MD5, "sha256": SHA, kind: "0" * (32 if kind == "md5" else 64)}
    with pytest.raises(EraserError, match=f"does not match: {kind}") as err:
        download.download(server.url, tmp_path, "big-lama.pt", **sums)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "big-lama.pt.part").exists()


def test_http_errors_and_timeouts_are_one_line(server, tmp_path, monkeypatch):
    with pytest.raises(EraserError, match="HTTP 404 Not Found; offline.*--from FILE"):
        download.download(server.url.replace("big-lama", "nope"), tmp_path, "big-lama.pt")
    server.mode = "stall"
    monkeypatch.setenv(download.TIMEOUT_ENV, "0.5")
    started = time.perf_counter()
    with pytest.raises(EraserError, match="timed out") as err:
        download.download(server.url, tmp_path, "big-lama.pt")
    assert time.perf_counter() - started < 2.5 and "\n" not in str(err.value)
    for bad in ("0", "-1", "nan", "inf", "soon"):
        monkeypatch.setenv(download.TIMEOUT_ENV, bad)
        with pytest.raises(EraserError, match="ERASER_DOWNLOAD_TIMEOUT must be a number"):
            download.download(server.url, tmp_path, "big-lama.pt")


def test_proxies_come_from_the_environment(server, tmp_path, monkeypatch):
    """The address is a name that does not resolve; the proxy (our server) is asked for it."""
    monkeypatch.setenv("http_proxy", server.url.rsplit("/models/", 1)[0])
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    part = download.download("http://models.invalid/models/big-lama.pt", tmp_path, "big-lama.pt", md5=MD5)
    assert part.read_bytes() == DATA
    assert server.requests[-1][0] == "http://models.invalid/models/big-lama.pt"  # a proxy request


def test_models_install_keeps_nothing_unchecked_in_the_store(server, tmp_path, monkeypatch, eraser_cli):
    """Through the CLI: a wrong md5 leaves no model and no part; a right one installs."""
    from eraser import modelstore

    monkeypatch.setenv(modelstore.ENV_DIR, str(tmp_path / "store"))
    code, _, err = eraser_cli("models", "install", "lama", "--url", server.url)  # the official md5: not DATA's
    assert code == 2 and err.count("\n") == 1 and "does not match: md5" in err
    assert modelstore.installed("lama") is None
    assert not [p for p in (tmp_path / "store").rglob("*") if p.is_file()]
