"""The report as a reviewer's browser shows it: headless Chromium, 1400 px wide, four runs.

No console errors, every image decoded, every table inside the window (no horizontal
scrolling). Chromium comes from Debian (`.ci/run` installs it); without it the test is skipped
locally and fails in CI (LIENTHONG_REQUIRE_CHROMIUM=1).
"""

from __future__ import annotations

import os

import pytest

from lienthong.cli import main
from tests.conftest import ROOT
from tests.lienthong.browser import Browser, chromium_path

pytestmark = pytest.mark.slow

FOUR_RUNS = [ROOT / "results/reference" / name for name in (
    "baseline-2019-simulation", "target-2020-simulation", "reform-2025-simulation",
    "target-2020-loadtest")]

LAYOUT = """JSON.stringify({
  width: window.innerWidth,
  scrollWidth: document.documentElement.scrollWidth,
  images: [...document.images].map(i => ({ok: i.complete && i.naturalWidth > 0,
                                          right: i.getBoundingClientRect().right})),
  tables: [...document.querySelectorAll("table")].map(t => ({
      id: t.id, right: t.getBoundingClientRect().right, scroll: t.scrollWidth,
      client: t.clientWidth}))
})"""


@pytest.fixture(scope="module")
def browser():
    if chromium_path() is None:
        if os.environ.get("LIENTHONG_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required (LIENTHONG_REQUIRE_CHROMIUM) and not installed")
        pytest.skip("no chromium: apt-get install chromium")
    with Browser(width=1400) as chromium:
        yield chromium


def test_four_runs_read_without_scrolling_and_without_errors(browser, tmp_path):
    import json

    out = tmp_path / "report.html"
    assert main(["report", *map(str, FOUR_RUNS), "--out", str(out)]) == 0
    browser.open(out)
    layout = json.loads(browser.evaluate(LAYOUT))
    assert browser.console_errors() == []
    assert len(layout["images"]) >= 5 and all(image["ok"] for image in layout["images"])
    assert layout["scrollWidth"] <= layout["width"], layout
    assert [t["id"] for t in layout["tables"]] == ["headline", "provenance"]
    for table in layout["tables"]:
        assert table["right"] <= layout["width"] and table["scroll"] <= table["client"], table
    browser.screenshot(tmp_path / "report.png")
    assert (tmp_path / "report.png").stat().st_size > 50_000
