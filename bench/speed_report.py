"""The report of ``python -m bench.speed``: its markdown table and the issue's targets."""

from __future__ import annotations

import statistics
from typing import Any, Optional

from bench.common import JPEG_QUALITY
from eraser import refine

# Targets from the issue.
TELEA_MAX_S = 1.0
TELEA_MAX_FLOOR_RATIO = 4.0
PATCHMATCH_MAX_S = 3.0
LAYERED_MAX_S = 3.0  # issue #15: the default offline fill, end to end on 12 MP
RSS_MAX_MB = 400.0
DETAIL_MIN = 0.75  # fill detail proxy; on the default photo a full-resolution PatchMatch fill scores about 1.05


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt_s(v: Optional[float]) -> str:
    if v is None or v != v:
        return ""
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"


def fmt_mb(kb: Optional[float]) -> str:
    return "" if kb is None else f"{kb / 1024:.0f}"


STAGE_COLUMNS = ["decode", "segment", "refine", "inpaint", "composite", "other", "encode"]


def render(report: dict[str, Any]) -> str:
    lines = []
    m, p = report["machine"], report["photo"]
    lines.append(
        f"machine: {m['cpu']}, {m['cores']} cores ({m['cores_usable']} usable), Python {m['python']}, "
        f"numpy {m['versions'].get('numpy', '?')}, OpenCV {m['cv2']} ({m['cv2_threads']} threads), "
        f"Pillow {m['versions'].get('pillow', '?')}, pypatchmatch {m['versions'].get('pypatchmatch', '-')}; "
        f"load average {m['loadavg_start'][0]:.2f} at start, {report['loadavg_end'][0]:.2f} at end"
    )
    lines.append(
        f"photo: {p['sample']} window {p['window'][2]:.0f}x{p['window'][3]:.0f} of {p['source_size'][0]}x{p['source_size'][1]} "
        f"upscaled x{p['scale']:.2f} to {p['size'][0]}x{p['size'][1]} + grain sigma {p['grain_sigma']:g}, "
        f"JPEG q{JPEG_QUALITY} {p['file_bytes'] / 1e6:.1f} MB ({p['bits_per_pixel']:.2f} bits/pixel); object {100 * p['object_share']:.2f}% of the frame "
        f"(hole after {refine.DEFAULT_DILATE} px dilation {100 * p['hole_share']:.2f}%), "
        f"box {','.join(map(str, p['box']))} ({100 * p['box_share']:.1f}%)"
    )
    lines.append("")
    lines.append("Seconds, median of the timed runs (after one untimed warm-up); `other` = pipeline overhead outside the stage timers.")
    lines.append("")
    cli_runs = max((len(c.get("cli", {}).get("runs", [])) for c in report["configs"].values()), default=0)
    cli_head = f"CLI, {cli_runs} run" + ("s (median)" if cli_runs > 1 else "")
    head = ["configuration", "runs", *STAGE_COLUMNS, "end to end", "(min-max)", "first run", cli_head]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for name, c in report["configs"].items():
        stages = c["median"]
        cells = [name, str(len(c["runs"]))]
        for col in STAGE_COLUMNS:
            cells.append(fmt_s(stages.get(col)))
        totals = [r["total"] for r in c["runs"]]
        cells += [f"**{fmt_s(stages['total'])}**", f"{fmt_s(min(totals))}-{fmt_s(max(totals))}",
                  fmt_s(c.get("first", {}).get("total")), fmt_s(c.get("cli", {}).get("wall_s"))]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Peak RSS (MB) of one run in a fresh process, fill detail (1 = as sharp as the surroundings), segmentation.")
    lines.append("")
    head = ["configuration", "peak RSS, in-process run", "(after imports)", "peak RSS, CLI", "fill detail", "hole % of frame", "selection IoU vs truth"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for name, c in report["configs"].items():
        rss = c.get("rss", {})
        cli = c.get("cli", {})
        cells = [
            name,
            fmt_mb(rss.get("maxrss_kb")),
            fmt_mb(rss.get("child", {}).get("vm_hwm_after_imports_kb")),
            fmt_mb(cli.get("maxrss_kb")),
            "" if c.get("detail") is None else f"{c['detail']:.2f}",
            "" if c.get("hole_share") is None else f"{100 * c['hole_share']:.2f}",
            "" if c.get("iou") is None else f"{c['iou']:.3f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if report.get("cli_startup"):
        st = report["cli_startup"]
        lines.append(f"CLI start-up alone (`eraser --version`): {st['wall_s']:.3f} s, peak RSS {st['maxrss_kb'] / 1024:.0f} MB.")
        lines.append("")
    if report["ratios"]:
        lines.append("Ratios (end to end, medians): " + "; ".join(f"{k} = {v:.2f}" for k, v in report["ratios"].items()))
        lines.append("")
    lines.append("| target | measured | result |")
    lines.append("|---|---:|---|")
    for t in report["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | {'PASS' if t['pass'] else 'FAIL'}{t.get('note', '')} |")
    return "\n".join(lines)


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    cfg = report["configs"]
    out = []

    def total(name: str) -> Optional[float]:
        return cfg[name]["median"]["total"] if name in cfg else None

    floor, naive_t = total("floor (OpenCV)"), total("naive OpenCV")
    telea, pm, layered = total("eraser telea"), total("eraser patchmatch"), total("eraser layered")
    if layered is not None:
        out.append({"target": f"layered end to end <= {LAYERED_MAX_S:g} s", "measured": f"{layered:.3f} s", "pass": layered <= LAYERED_MAX_S})
    if telea is not None:
        out.append({"target": f"telea end to end <= {TELEA_MAX_S:g} s", "measured": f"{telea:.3f} s", "pass": telea <= TELEA_MAX_S})
        out.append({"target": f"telea <= {TELEA_MAX_FLOOR_RATIO:g}x the decode+encode floor",
                    "measured": f"{telea / floor:.2f}x ({floor:.3f} s)", "pass": telea <= TELEA_MAX_FLOOR_RATIO * floor})
        out.append({"target": "telea faster than the naive OpenCV script",
                    "measured": f"{telea / naive_t:.2f}x ({naive_t:.3f} s)", "pass": telea < naive_t})
    if pm is not None:
        out.append({"target": f"patchmatch end to end <= {PATCHMATCH_MAX_S:g} s", "measured": f"{pm:.3f} s", "pass": pm <= PATCHMATCH_MAX_S})
        d = cfg["eraser patchmatch"].get("detail")
        if d is not None:
            out.append({"target": f"patchmatch fill sharp next to its surroundings (proxy: detail >= {DETAIL_MIN:g})",
                        "measured": f"{d:.2f}", "pass": d >= DETAIL_MIN, "note": " (proxy; judge the --keep crops by eye)"})
    for name in ("eraser telea", "eraser patchmatch", "eraser layered"):
        if name not in cfg:
            continue
        for key, label in (("rss", "in-process run"), ("cli", "CLI")):
            kb = cfg[name].get(key, {}).get("maxrss_kb")
            if kb is not None:
                out.append({"target": f"{name.split()[1]} peak RSS <= {RSS_MAX_MB:g} MB ({label})",
                            "measured": f"{kb / 1024:.0f} MB", "pass": kb / 1024 <= RSS_MAX_MB})
    return out
