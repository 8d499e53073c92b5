"""A real ``eraser serve`` (a subprocess on a free port) and an HTTP client to it,
for tests and benchmarks of the web page. Needs httpx (the test extra)."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path


class Server:
    """``eraser serve --port 0 ARGS`` started with this interpreter; ready
    (answering /api/info) when the constructor returns. ``client`` is an
    ``httpx.Client`` on its address carrying its token; ``ready_seconds`` is
    the time from launch to the first answer."""

    def __init__(self, *args, env=None):
        import httpx

        self.process = subprocess.Popen(
            [sys.executable, "-m", "eraser.cli", "serve", "--port", "0", *map(str, args)],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env={**os.environ, **(env or {})})
        self.started = time.perf_counter()
        self.lines = []
        while True:
            line = self.process.stderr.readline()
            if not line:
                raise RuntimeError("eraser serve exited: " + "".join(self.lines))
            self.lines.append(line)
            found = re.search(r"serving on (http://\S+)", line)
            if found:
                self.url = found.group(1)
                break
        self.base = self.url.split("?")[0].rstrip("/")
        token = re.search(r"token=([^&\s]+)", self.url)
        self.token = token.group(1) if token else None
        headers = {"x-eraser-token": self.token} if self.token else {}
        self.client = httpx.Client(base_url=self.base, timeout=120, headers=headers)
        deadline = time.time() + 30
        while True:  # ready when it answers
            try:
                if self.client.get("/api/info").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.time() > deadline:
                raise RuntimeError("eraser serve did not answer")
            time.sleep(0.05)
        self.ready_seconds = time.perf_counter() - self.started

    def open(self, path, name=None):
        """Upload the photo at ``path``; returns the server's JSON answer."""
        response = self.client.post(f"/api/photos?name={name or Path(path).name}", content=Path(path).read_bytes())
        assert response.status_code == 200, response.text
        return response.json()

    def stop(self):
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
