"""Start `eraser serve` for real (a subprocess on a free port) and talk to it over HTTP."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SPOON = ROOT / "samples" / "coffee_spoon" / "photo.jpg"


class Server:
    def __init__(self, *args, env=None):
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

    def open(self, path=SPOON, name=None):
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
