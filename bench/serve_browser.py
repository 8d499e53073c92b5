"""The web page as a person meets it: clicks to mask on screen, in Chromium.

Starts `eraser serve` and Debian's Chromium (Playwright), opens a photo and
clicks it N times (each click a new object after Escape), measuring in the
page the time from the click to the overlay drawn (window.eraserTiming:
pointerdown to the overlay's drawImage), with where that time went (the
page's resource timing of the request, the server's stages) and the CPU time
of the server and the browser per click. The first click pays for the segmenter's setup
(MobileSAM: the image encoder); the rest are reported as p50/p95. Then the
erase of that photo (request to new image shown), and the server's memory
(RSS) after opening and erasing --photos photos in turn (--max-photos caps
the sessions kept).

    python -m bench.serve_browser [--clicks 50] [--size 4000x3000] [--mobile-sam] [--photos 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from bench.common import SPOON, install_random_mobile_sam
from eraser.testing.server import Server

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]


# The mark's request in the page's resource timing, against the click and the
# overlay drawn: before the request left, waiting for the answer's first byte
# (the server's work, HTTP and JSON), receiving it, and after it (JSON parse,
# PNG decode, drawing).
PAGE_SPANS = """(() => {
  const r = performance.getEntriesByType("resource").filter((e) => e.name.includes("/marks")).pop();
  const t = window.eraserTiming;
  if (!r || !r.requestStart) return null;
  return {before_request: r.requestStart - t.click, waiting: r.responseStart - r.requestStart,
          receiving: r.responseEnd - r.responseStart, after_response: t.shown - r.responseEnd,
          bytes: r.encodedBodySize, transfer: r.transferSize};
})()"""


def wait_for_body(page, condition: str, timeout_ms: int = 120_000) -> None:
    """Until ``condition`` (JavaScript on ``document.body``) holds, checked as
    the body's attributes change: no polling, whose animation frames would
    take the 2 cores' time from the click being measured (Playwright's
    wait_for_function polls every frame)."""
    page.evaluate(f"""() => new Promise((resolve, reject) => {{
      const done = () => {condition};
      if (done()) return resolve();
      const timer = setTimeout(() => {{ observer.disconnect(); reject(new Error("timed out: {condition}")); }}, {timeout_ms});
      const observer = new MutationObserver(() => {{
        if (done()) {{ observer.disconnect(); clearTimeout(timer); resolve(); }}
      }});
      observer.observe(document.body, {{attributes: true}});
    }})""")


def cpu_seconds(root: int, skip: int = 0, named: str = "") -> float:
    """User + system CPU seconds of process ``root`` and its descendants
    (those under ``skip`` left out; with ``named``, only processes of that
    name): the same count however busy the box."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid == skip:
            continue
        try:
            name, stat = Path(f"/proc/{pid}/stat").read_text().split("(", 1)[1].rsplit(")", 1)
            fields = stat.split()
            if not named or name == named:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
        todo += children.get(pid, [])
    return total


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=50)
    parser.add_argument("--size", default="4000x3000")
    parser.add_argument("--mobile-sam", action="store_true")
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    width, height = map(int, args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        env = {}
        if args.mobile_sam:
            env = {"ERASER_MODELS_DIR": str(install_random_mobile_sam(Path(tmp), randomized=True))}
        photo = Path(tmp) / "photo.jpg"
        Image.open(SPOON).convert("RGB").resize((width, height), Image.Resampling.BICUBIC).save(photo, quality=92)
        server = Server("--max-photos", "4", env=env)
        result: dict = {"size": args.size, "segmenter": "mobile-sam" if args.mobile_sam else "auto (classical)"}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS, headless=True)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(server.url)
                page.wait_for_selector("body[data-ready=yes]")
                page.set_input_files("#file", str(photo))
                page.wait_for_selector("body.has-photo")
                page.wait_for_function("document.body.dataset.busy === '0'")
                box = page.locator("#overlay").bounding_box()
                latencies, segmenting, serving, stages, spans = [], [], [], [], []
                result["load_average_start"] = round(os.getloadavg()[0], 1)
                spots = [(0.61, 0.71), (0.64, 0.56), (0.2, 0.75), (0.5, 0.37), (0.83, 0.25)]
                cpu: dict[str, float] = {}
                for i in range(args.clicks):
                    if i == 1:  # the re-clicks' CPU time: the server's, and the browser's (every Chromium process)
                        cpu = {"server": cpu_seconds(server.process.pid),
                               "browser": cpu_seconds(os.getpid(), skip=server.process.pid, named="chromium")}
                    fx, fy = spots[i % len(spots)]
                    drawn = int(page.evaluate("Number(document.body.dataset.overlays || 0)"))
                    page.evaluate("performance.clearResourceTimings()")
                    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
                    wait_for_body(page, f"Number(document.body.dataset.overlays || 0) > {drawn}")
                    latencies.append(page.evaluate("window.eraserTiming.shown - window.eraserTiming.click"))
                    segmenting.append(float(page.evaluate("Number(document.body.dataset.segmentMs || 'NaN')")))
                    serving.append(float(page.evaluate("Number(document.body.dataset.serverMs || 'NaN')")))
                    stages.append(json.loads(page.evaluate("document.body.dataset.timings || '{}'")))
                    spans.append(page.evaluate(PAGE_SPANS))
                    if i < args.clicks - 1:
                        page.keyboard.press("Escape")
                        wait_for_body(page, "document.body.dataset.overlay === 'none' && document.body.dataset.busy === '0'")
                if cpu:
                    clicks = args.clicks - 1
                    result["server_cpu_ms_per_click"] = round(1000 * (cpu_seconds(server.process.pid) - cpu["server"]) / clicks, 1)
                    browser_cpu = cpu_seconds(os.getpid(), skip=server.process.pid, named="chromium") - cpu["browser"]
                    result["browser_cpu_ms_per_click"] = round(1000 * browser_cpu / clicks, 1)
                rest = sorted(latencies[1:])
                result["first_click_ms"] = round(latencies[0])
                result["click_ms_p50"] = round(statistics.median(rest))
                result["click_ms_p95"] = round(rest[max(0, int(round(0.95 * len(rest))) - 1)])
                own = sorted(segmenting[1:])  # the server's segment stage for the same clicks
                result["segment_ms_p50"] = round(statistics.median(own))
                result["segment_ms_p95"] = round(own[max(0, int(round(0.95 * len(own))) - 1)])
                busy = sorted(serving[1:])  # the whole request's work on the server (segmenting included)
                result["server_ms_p50"] = round(statistics.median(busy))
                result["server_ms_p95"] = round(busy[max(0, int(round(0.95 * len(busy))) - 1)])
                result["load_average"] = round(os.getloadavg()[0], 1)
                # the server's stages (segment, refine, overlay...) p50 in ms, where the page reports them
                for key in sorted({k for s in stages[1:] for k in s}):
                    values = sorted(1000 * s[key] for s in stages[1:] if key in s)
                    result[f"stage_{key}_ms_p50"] = round(statistics.median(values))
                # where the page's part went (resource timing of the mark's request), p50 in ms
                for key in ("before_request", "waiting", "receiving", "after_response"):
                    values = sorted(s[key] for s in spans[1:] if s)
                    if values:
                        result[f"page_{key}_ms_p50"] = round(statistics.median(values), 1)
                        result[f"page_{key}_ms_p95"] = round(values[max(0, int(round(0.95 * len(values))) - 1)], 1)
                result["page_answer_bytes_p50"] = statistics.median(s["bytes"] for s in spans[1:] if s) if any(spans[1:]) else None
                version = int(page.evaluate("document.body.dataset.version"))
                start = time.perf_counter()
                page.keyboard.press("Enter")
                page.wait_for_function(f"Number(document.body.dataset.version) > {version}", timeout=300_000)
                result["erase_s"] = round(time.perf_counter() - start, 2)
                browser.close()
            memory = []
            data = photo.read_bytes()
            for i in range(args.photos):
                pid = server.open(photo)["id"]
                server.client.post(f"/api/photos/{pid}/marks", json={"kind": "point", "point": [width * 0.61, height * 0.71]})
                server.client.post(f"/api/photos/{pid}/erase")
                server.client.get(f"/api/photos/{pid}/download")  # downloaded: the tab may close it for room
                memory.append(round(rss_mb(server.process.pid)))
            result["server_rss_mb_after_each_photo"] = memory
            del data
        finally:
            server.stop()
    print(json.dumps(result, indent=2 if args.json else None))


if __name__ == "__main__":
    main()
