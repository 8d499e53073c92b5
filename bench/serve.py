"""`eraser serve`: how soon it answers, and what a click costs.

Starts the real server (a subprocess on a free port) several times and
reports the median time from launch to the first answer of /api/info; then
opens the coffee-spoon sample and times the preview round trip of clicks
(HTTP, segmentation, refinement, the overlay PNG) with the segmenter `auto`
picks. With ``--mobile-sam`` it first installs a random-weight MobileSAM
(made with torch, installed without it) into a temporary store, so the first
click pays for the image encoder and the later ones only for the decoder.

    python -m bench.serve [--runs 5] [--clicks 10] [--mobile-sam] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import SPOON, install_random_mobile_sam
from eraser.testing.server import Server

CLICKS = [(365, 285), (384, 225), (120, 300), (300, 150), (500, 100)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clicks", type=int, default=10)
    parser.add_argument("--mobile-sam", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    env = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.mobile_sam:
            env = {"ERASER_MODELS_DIR": str(install_random_mobile_sam(Path(tmp), randomized=True))}
        ready = []
        for _ in range(args.runs):
            server = Server(env=env)
            ready.append(server.ready_seconds)
            server.stop()
        server = Server(env=env)
        try:
            pid = server.open(SPOON)["id"]
            times, segmenters = [], set()
            for i in range(args.clicks):
                x, y = CLICKS[i % len(CLICKS)]
                server.client.post(f"/api/photos/{pid}/clear")
                start = time.perf_counter()
                answer = server.client.post(f"/api/photos/{pid}/marks", json={"kind": "point", "point": [x, y]})
                times.append(time.perf_counter() - start)
                if answer.status_code != 200:
                    raise SystemExit(f"click {x},{y}: {answer.json()['error']}")
                segmenters.update(answer.json().get("segmenters") or [])
        finally:
            server.stop()
    result = {"ready_s_median": round(statistics.median(ready), 3), "ready_s_all": [round(r, 3) for r in ready],
              "first_click_s": round(times[0], 3), "later_clicks_s_median": round(statistics.median(times[1:]), 3),
              "segmenters": sorted(segmenters), "cpus": os.cpu_count()}
    print(json.dumps(result, indent=None if not args.json else 2))


if __name__ == "__main__":
    main()
