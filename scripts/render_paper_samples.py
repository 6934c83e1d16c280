"""Render every notice kind and both statistics reports to PNG under docs/paper/.

Run after changing a template or a layout, and look at the pictures:
    .venv/bin/python scripts/render_paper_samples.py
Needs pdftoppm (poppler-utils).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from reports.samples import render_sample, sample_daily_stats, sample_kinds, sample_monthly_stats
from reports.statistics_pdf import render_daily_report, render_monthly_report

OUT = Path(__file__).resolve().parents[1] / "docs" / "paper"


def to_png(pdf: bytes, name: str) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(src), str(OUT / name)], check=True)
    return OUT / f"{name}.png"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    made = [to_png(render_sample(kind), kind) for kind in sample_kinds()]
    made.append(to_png(render_daily_report(sample_daily_stats()), "daily-report"))
    made.append(to_png(render_monthly_report(sample_monthly_stats()), "monthly-report"))
    for path in made:
        print(path.relative_to(OUT.parents[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
