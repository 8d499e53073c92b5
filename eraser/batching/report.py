"""The batch's outcome: one record per photo, a summary, the JSON report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Optional

from eraser.batching.work import Record


@dataclass
class Report:
    records: list[Record] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    total: int = 0  # photos the batch had
    stopped_by: Optional[BaseException] = field(default=None, repr=False)  # Ctrl-C or a signal

    def count(self, status: str) -> int:
        return sum(1 for r in self.records if r.status == status)

    @property
    def failed(self) -> list[Record]:
        return [r for r in self.records if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted

    def notes(self) -> list[tuple[str, list[str]]]:
        """Each distinct note of the run once, with the photos it was said
        about (sorted); a fallback every photo met is one note, not one per
        photo. The records keep their own ``notices``."""
        photos: dict[str, list[str]] = {}
        for record in sorted(self.records, key=lambda r: r.photo):
            for note in record.notices:
                named = photos.setdefault(note, [])
                if not named or named[-1] != record.photo:  # records sorted: a repeat is adjacent
                    named.append(record.photo)
        return list(photos.items())

    def summary(self) -> str:
        done, skipped, failed = self.count("done"), self.count("skipped"), self.count("failed")
        left = self.total - len(self.records)
        rate = f", {done / self.seconds:.2f} photos/s" if done and self.seconds > 0 else ""
        tail = f", {left} not started (interrupted)" if left else ""
        return f"{done} done, {skipped} skipped (output exists), {failed} failed{tail} in {self.seconds:.1f} s{rate}"

    def to_json(self) -> str:
        return json.dumps({"seconds": round(self.seconds, 3), "interrupted": self.interrupted,
                           "photos": [r.as_dict() for r in sorted(self.records, key=lambda r: r.photo)]}, indent=2) + "\n"
