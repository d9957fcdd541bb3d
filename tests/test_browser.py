"""scorecard.html in a real headless browser: every row and chart renders, no console errors.

Needs Debian's chromium and chromium-driver (``.ci/run`` installs them) and selenium;
skipped, with the reason, where they are missing (CI sets ``INDICATORS_REQUIRE_BROWSER``
so that it fails instead). The screenshot is saved beside the page, and copied to
``docs/scorecard.png`` when ``INDICATORS_UPDATE_SCREENSHOT`` is set.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from indicators._cli import main
from test_breakdowns import CONTACTS

if os.environ.get("INDICATORS_REQUIRE_BROWSER"):
    import selenium  # noqa: F401 - CI must run this test, not skip it
else:
    pytest.importorskip("selenium", reason="selenium is not installed")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
DOCS = Path(__file__).resolve().parent.parent / "docs"

pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("INDICATORS_REQUIRE_BROWSER"),
                                reason="Debian's chromium and chromium-driver are not installed")


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_scorecard_renders_every_row_and_chart_without_errors(browser, tmp_path, capsys):
    page = tmp_path / "scorecard.html"
    assert 0 == main(["demo", "--output", str(page), "--no-color"])
    capsys.readouterr()
    browser.get(page.as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "tr[data-indicator]")
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.trend")
    assert len(rows) > 60
    assert len(rows) == len(charts)
    for chart in charts:
        size = chart.size
        assert size["width"] > 100 and size["height"] > 30
    drawn = browser.find_elements(By.CSS_SELECTOR, "svg.trend polyline.value")
    assert len(drawn) >= len(charts) - 2  # a chart with one point or none draws no line
    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert [] == errors
    assert "SYNTHETIC DATA" in browser.find_element(By.CSS_SELECTOR, ".synthetic").text
    browser.set_window_size(1400, 1800)
    screenshot = tmp_path / "scorecard.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 10_000
    if os.environ.get("INDICATORS_UPDATE_SCREENSHOT"):
        shutil.copyfile(screenshot, DOCS / "scorecard.png")


def _demo_page(browser, tmp_path, capsys):
    page = tmp_path / "scorecard.html"
    assert 0 == main(["demo", "--output", str(page), "--no-color"])
    capsys.readouterr()
    browser.get(page.as_uri())
    return page


def test_scorecard_shows_framing_counts_comparisons_and_labelled_charts(browser, tmp_path, capsys):
    """What a select commission reads: council, period, dates, commentary, counts behind a
    percentage, one arrow convention, and charts whose scale is written on them."""
    _demo_page(browser, tmp_path, capsys)
    framing = browser.find_element(By.CSS_SELECTOR, "dl.framing").text
    for words in ("Council", "Demo council (synthetic)", "Period", "January 2017", "Produced", "Data extracted",
                  "2017-02-03"):
        assert words in framing
    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-indicator="contacts_decided_1wd"]')
    assert "Illustrative commentary" in row.find_element(By.CSS_SELECTOR, ".commentary").text
    value = row.find_element(By.CSS_SELECTOR, "td.num").text
    assert "%" in value and " / " in row.find_element(By.CSS_SELECTOR, ".counts").text
    move = row.find_element(By.CSS_SELECTOR, ".move")
    assert "down, worse" in move.text and "worse" in move.get_attribute("class")
    neutral = browser.find_element(By.CSS_SELECTOR, 'tr[data-indicator="cin_rate"]')
    # the title is a <th>: td 8 is the national quartile, none for a neutral indicator with boundaries
    assert "–" == neutral.find_elements(By.CSS_SELECTOR, "td")[8].text
    ranked = browser.find_element(By.CSS_SELECTOR, 'tr[data-indicator="re_referrals_12m"]')
    assert ranked.find_elements(By.CSS_SELECTOR, "td")[8].text in ("1 (best)", "2", "3", "4 (worst)")
    chart = row.find_element(By.CSS_SELECTOR, "svg.trend")
    labels = [t.text for t in chart.find_elements(By.CSS_SELECTOR, "text.scale")]
    assert len(labels) == 4 and labels[2].startswith("Jan") and labels[3] == "Jan 17"
    targeted = browser.find_element(By.CSS_SELECTOR, 'tr[data-indicator="re_referrals_12m"] svg.trend')
    assert targeted.find_elements(By.CSS_SELECTOR, "line.target")
    # columns line up across sections: every table's columns have the same widths
    widths = browser.execute_script(
        "return Array.from(document.querySelectorAll('table.scorecard')).map("
        "t => Array.from(t.querySelectorAll('thead th')).map(th => Math.round(th.getBoundingClientRect().width)))")
    assert len(widths) > 5 and all(w == widths[0] for w in widths)
    quality = browser.find_element(By.CSS_SELECTOR, "section.quality").text
    assert "Caution needs to be applied" in quality
    assert "Contacts: missing date (contacts.received_on): 14" in quality  # the demo's migration gap


def _axe_source() -> str:
    """axe-core, vendored at run time from the axe-selenium-python distribution (no network)."""
    axe = pytest.importorskip("axe_selenium_python", reason="axe-selenium-python is not installed")
    return (Path(axe.__file__).parent / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


def _axe(browser) -> dict:
    """axe-core's WCAG 2 A and AA checks of the page the browser shows."""
    browser.execute_script(_axe_source())
    browser.set_script_timeout(60)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}})"
        ".then(r => done({violations: r.violations.map(v => ({id: v.id, nodes: v.nodes.length,"
        " first: v.nodes[0].html.slice(0, 200)})), passes: r.passes.map(p => p.id)}))"
        ".catch(e => done({error: String(e)}));")
    assert "error" not in result, result
    return result


def test_scorecard_passes_axe_colour_contrast_and_table_checks(browser, tmp_path, capsys):
    _demo_page(browser, tmp_path, capsys)
    result = _axe(browser)
    assert [] == result["violations"]
    for rule in ("color-contrast", "th-has-data-cells", "td-headers-attr"):
        assert rule in result["passes"], rule


def test_scorecard_prints_to_a4_pdf(browser, tmp_path, capsys):
    """The browser's print gives an A4 PDF whose rows are kept whole (print stylesheet)."""
    import base64

    _demo_page(browser, tmp_path, capsys)
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})
    data = base64.b64decode(pdf["data"])
    assert data.startswith(b"%PDF")
    (tmp_path / "scorecard.pdf").write_bytes(data)
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data))
    assert boxes, "no page size in the PDF"
    for width, height in boxes:  # A4 landscape: 297 x 210 mm = 841.9 x 595.3 points
        assert abs(float(width) - 841.89) < 2 and abs(float(height) - 595.28) < 2
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert 3 <= pages <= 30
    # laid out for print at the width of A4 landscape less its margins, nothing is cut off
    browser.set_window_size(1047, 1400)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        widths = browser.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        browser.set_window_size(1400, 1000)
    assert widths[0] <= widths[1]


BREAKDOWN_PACK = CONTACTS + """
[indicators.contacts]
title = "Contacts"
table = "contacts"
date = "received_on"
"""


def test_scorecard_selector_switches_between_the_total_and_each_group(browser, tmp_path, capsys):
    """With --by, one scorecard shows at a time, chosen with a labelled select; the groups
    are compared side by side for the latest month; the page passes axe."""
    from selenium.webdriver.support.ui import Select

    (tmp_path / "pack.toml").write_text(BREAKDOWN_PACK)
    rows = ["received_on,decided_on,team"]
    for day in range(1, 29):
        team = ("Duty 1", "Duty 2", "Locality North", "")[day % 4]
        rows.append(f"2016-{4 + day % 2:02d}-{day:02d},2016-{4 + day % 2:02d}-{min(day + day % 3, 28):02d},{team}")
    (tmp_path / "contacts.csv").write_text("\n".join(rows) + "\n")
    page = tmp_path / "scorecard.html"
    assert 0 == main(["evaluate", str(tmp_path / "pack.toml"), "--data", str(tmp_path), "--from", "2016-04",
                      "--to", "2016-05", "--by", "team", "--format", "html", "--output", str(page), "--quiet"])
    capsys.readouterr()
    browser.get(page.as_uri())
    select = Select(browser.find_element(By.ID, "breakdown"))
    label = browser.find_element(By.CSS_SELECTOR, 'label[for="breakdown"]')
    assert label.text == "Show the scorecard for"
    assert [o.text for o in select.options] == ["All rows (total)", "team: Duty 1", "team: Duty 2",
                                                "team: Locality North", "team: not recorded"]
    views = browser.find_elements(By.CSS_SELECTOR, "section.view")

    def shown() -> list[str]:
        return [view.get_attribute("id") for view in views if view.is_displayed()]

    assert shown() == ["view-0"]
    select.select_by_visible_text("team: Locality North")
    assert shown() == ["view-3"]
    view = browser.find_element(By.ID, "view-3")
    assert view.find_element(By.CSS_SELECTOR, "h2").text == "team: Locality North"
    assert len(view.find_elements(By.CSS_SELECTOR, "tr[data-indicator]")) == 2
    row = view.find_element(By.CSS_SELECTOR, 'tr[data-indicator="contacts"]')
    table = browser.find_element(By.CSS_SELECTOR, 'table.compare[data-compare="contacts"]')
    groups = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [g.find_element(By.CSS_SELECTOR, "th").text for g in groups] == [o.text for o in select.options]
    # the side-by-side table and the selected group's scorecard agree
    assert groups[3].find_element(By.CSS_SELECTOR, "td.num").text == row.find_element(By.CSS_SELECTOR, "td.num").text
    assert table.is_displayed()
    select.select_by_index(0)
    assert shown() == ["view-0"]
    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert [] == errors
    assert [] == _axe(browser)["violations"]
