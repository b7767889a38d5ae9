"""A self-contained HTML report of several runs, for reviewers to pass around as one file.

`compare` writes plots beside a small `report.html` that links them; the report inlines every
image (PNG as base64), adds each run's provenance (scenario, its SHA-256, seed, tool versions)
and its own plots, so "baseline against target, side by side" is one file that opens anywhere.
"""

from __future__ import annotations

import base64
import html
import tempfile
from collections.abc import Sequence
from pathlib import Path

from lienthong.compare import compare
from lienthong.errors import UserError
from lienthong.results import read_run

PROVENANCE = ("kind", "scenario", "scenario_sha256", "seed", "created", "wall_time_s")


def _inline_png(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">' \
           f"<figcaption>{html.escape(alt)}</figcaption></figure>"


def _table(rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row)
                   + "</tr>" for row in rows[1:])
    return f"<table><tr>{head}</tr>{body}</table>"


def write_report(paths: Sequence[Path], out: Path, scenario_time: bool = False,
                 title: str = "") -> Path:
    """Write one HTML file comparing the runs; returns its path."""
    if out.suffix.lower() not in (".html", ".htm"):
        raise UserError(f"--out {out}: expected an .html file name")
    if not out.parent.exists():
        raise UserError(f"--out {out}: directory {out.parent} does not exist")
    runs = [read_run(Path(path)) for path in paths]
    with tempfile.TemporaryDirectory() as scratch:
        result = compare(paths, Path(scratch), scenario_time=scenario_time)
        table = (Path(scratch) / "headline.txt").read_text()
        side_by_side = "".join(_inline_png(plot, plot.stem.replace("_", " "))
                               for plot in result["plots"])
    provenance = [["", *[run.path.name for run in runs]]]
    for key in PROVENANCE:
        provenance.append([key, *[str(getattr(run.summary, key)) for run in runs]])
    versions = sorted({name for run in runs for name in run.summary.versions})
    for name in versions:
        provenance.append([name, *[str(run.summary.versions.get(name, "-")) for run in runs]])
    per_run = []
    for run in runs:
        own = sorted(run.path.glob("*.png"))
        figures = "".join(_inline_png(png, f"{run.path.name}: {png.stem.replace('_', ' ')}")
                          for png in own)
        per_run.append(f"<h3>{html.escape(run.path.name)}</h3>{figures or '<p>no plots</p>'}")
    heading = html.escape(title or f"lienthong: {len(runs)} runs side by side")
    page = (
        "<!doctype html><html lang='en'><meta charset='utf-8'>"
        f"<title>{heading}</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
        "padding:4px 8px;text-align:right}img{max-width:100%}pre{background:#f6f6f6;"
        "padding:1em;overflow:auto}figure{margin:1em 0}</style>"
        f"<h1>{heading}</h1>"
        + ("<p>Compressed load tests are shown in scenario time (latency times the time scale)."
           "</p>" if scenario_time else "")
        + f"<h2>Headline figures</h2><pre>{html.escape(table)}</pre>"
        f"<h2>Side by side</h2>{side_by_side}"
        f"<h2>Provenance</h2>{_table(provenance)}"
        f"<h2>Each run</h2>{''.join(per_run)}</html>"
    )
    out.write_text(page, encoding="utf-8")
    return out
