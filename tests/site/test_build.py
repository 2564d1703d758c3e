"""End-to-end: the sample organisation built for real (papermill, kernels, nbconvert)."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import urllib.parse
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from pmovalue.build import build
from pmovalue.errors import NotebookFailed, VersionConflict
from pmovalue.metrics.catalog import METRIC_IDS
from tests.conftest import REPO, SAMPLE, options, run_cli

VERSION = "2026-Q3"
UNITS = [
    "corporate-banking",
    "digital-channels",
    "operations-technology",
    "retail-banking",
    "risk-compliance",
    "wealth-management",
]


def pages(site: Path) -> list[Path]:
    return sorted((site / VERSION).rglob("*.html"))


def test_site_layout(sample_site: Path) -> None:
    v = sample_site / VERSION
    for rel in [
        "index.html",
        "maturity.html",
        "pmo-value.html",
        "changes.html",
        "data-quality.html",
        "data/metrics.csv",
        "data/metrics.xlsx",
        "data/projects.csv",
        "manifest.json",
        "_assets/plotly.min.js",
        *[f"units/{u}.html" for u in UNITS],
    ]:
        assert (v / rel).is_file(), rel
    assert sorted(p.name for p in (v / "notebooks").glob("*.ipynb")) == sorted(
        [f"unit-{u}.ipynb" for u in UNITS]
        + ["portfolio.ipynb", "maturity.ipynb", "pmo-value.ipynb"]
    )
    assert (sample_site / "latest" / "units" / "digital-channels.html").is_file()


def test_workbook_holds_the_metrics_file(sample_site: Path) -> None:
    """metrics.xlsx: the rows of metrics.csv (with the label, unit and target for readers),
    numbers to 16 significant digits (as spreadsheet files hold them), text as plain text
    (never a formula or a link)."""
    from openpyxl import load_workbook

    from pmovalue.outputs import METRICS_COLUMNS, WORKBOOK_COLUMNS

    data = sample_site / VERSION / "data"
    csv = pd.read_csv(data / "metrics.csv", keep_default_na=False, na_values=[""])
    assert list(csv.columns) == METRICS_COLUMNS
    book = pd.read_excel(
        data / "metrics.xlsx", sheet_name="metrics", keep_default_na=False, na_values=[""]
    )
    assert list(book.columns) == WORKBOOK_COLUMNS
    pd.testing.assert_frame_equal(book[METRICS_COLUMNS], csv, check_dtype=False, rtol=1e-15)
    assert pd.api.types.is_float_dtype(book["value"]) and book["value"].notna().sum() > 100
    sheet = load_workbook(data / "metrics.xlsx")["metrics"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert len(cells) == (len(csv) + 1) * len(WORKBOOK_COLUMNS)
    assert not any(c.data_type == "f" or c.hyperlink for c in cells)


def test_versions_listing(sample_site: Path) -> None:
    listing = json.loads((sample_site / "versions.json").read_text())
    assert listing == json.loads(
        (sample_site / "versions.js").read_text().split("=", 1)[1].strip().rstrip(";")
    )
    (entry,) = listing
    assert set(entry) == {
        "version",
        "title",
        "period",
        "scenario",
        "kind",
        "published_at",
        "aliases",
        "path",
    }
    assert (entry["version"], entry["kind"], entry["aliases"], entry["path"]) == (
        VERSION,
        "official",
        ["latest"],
        f"{VERSION}/",
    )
    index = (sample_site / "index.html").read_text()
    assert f'url={VERSION}/index.html"' in index  # relative redirect


def test_metrics_csv_has_every_metric_for_every_unit(sample_site: Path) -> None:
    m = pd.read_csv(sample_site / VERSION / "data" / "metrics.csv")
    assert list(m.columns) == [
        "version",
        "period",
        "unit_id",
        "unit_name",
        "metric",
        "value",
        "status",
        "note",
    ]
    assert set(m["unit_id"]) == {*UNITS, "_portfolio"}
    for unit, part in m.groupby("unit_id"):
        assert list(part["metric"]) == list(METRIC_IDS), unit
    assert (m["version"] == VERSION).all() and (m["period"] == VERSION).all()


def test_pages_are_offline_and_relative(sample_site: Path) -> None:
    for page in pages(sample_site):
        text = page.read_text()
        refs = re.findall(r'(?:src|href)="([^"]+)"', text)
        for ref in refs:
            assert not ref.startswith(("http:", "https:", "//", "/")), (page, ref)
        assert "cdn." not in text and "googleapis" not in text, page
        # plotly.js is shipped once under _assets/, never inlined into a page, and loaded
        # only by a page with charts (parsing it is most of a page's opening time).
        assert len(text) < 1_500_000, page
        charts = 'class="plotly-graph-div"' in text
        assert text.count("_assets/plotly.min.js") == (1 if charts else 0), page
        if page.name in ("methodology.html", "about.html", "data-quality.html"):
            assert not charts, page
        if page.parent.name == "units" or page.name in ("index.html", "changes.html"):
            assert charts, page


def test_unit_page_charts_and_sections(sample_site: Path) -> None:
    text = (sample_site / VERSION / "units" / "digital-channels.html").read_text()
    assert text.count('class="plotly-graph-div"') >= 6
    for heading in ["Level 1", "Level 2", "Level 3", "Level 4", "PMO maturity"]:
        assert heading in text
    assert "Plotly.newPlot" in text
    assert "application/vnd.plotly.v1+json" not in text


def test_unit_page_shows_cpi_from_metrics_csv(sample_site: Path) -> None:
    m = pd.read_csv(sample_site / VERSION / "data" / "metrics.csv")
    cpi = m[(m["unit_id"] == "digital-channels") & (m["metric"] == "cpi")]["value"].iloc[0]
    text = (sample_site / VERSION / "units" / "digital-channels.html").read_text()
    card = re.search(r'data-metric="cpi".*?class="value">([^<]+)<', text, re.S)
    assert card is not None and card.group(1) == f"{cpi:.2f}"


def outside_scripts(html: str) -> str:
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S)


def test_data_text_is_escaped(sample_site: Path) -> None:
    # "Operations & Technology" must appear escaped in the HTML of every page.
    for page in pages(sample_site):
        text = outside_scripts(page.read_text())
        assert "Operations &amp; Technology" in text, page
        assert "Operations & Technology" not in text, page


HOSTILE_UNIT = '=<img src=x onerror="alert(1)">Ops'
HOSTILE_PROJECT = '=HYPERLINK("x","</script><script>alert(2)</script>")'


def test_hostile_names_are_escaped_everywhere_and_no_download_runs_a_formula(
    tmp_path: Path, repo: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(repo / "data" / "sample", data)
    projects = pd.read_csv(data / "projects.csv", dtype=str, keep_default_na=False)
    projects.loc[projects["unit_id"] == "Retail Banking", "unit_id"] = HOSTILE_UNIT
    projects.loc[projects["project_id"] == "RB-001", "project_name"] = HOSTILE_PROJECT
    projects.to_csv(data / "projects.csv", index=False)
    for table in ("survey", "maturity"):
        frame = pd.read_csv(data / f"{table}.csv", dtype=str, keep_default_na=False)
        frame.loc[frame["unit_id"] == "Retail Banking", "unit_id"] = HOSTILE_UNIT
        frame.to_csv(data / f"{table}.csv", index=False)
    result = build(options(tmp_path, data_dir=data, units=[HOSTILE_UNIT]), log=lambda _m: None)
    unit_page = result.path / "units" / "img-src-x-onerror-alert-1-ops.html"
    for page in [unit_page, result.path / "index.html", result.path / "data-quality.html"]:
        html = page.read_text()
        assert "<img src=x" not in html, page
        assert "alert(2)</script>" not in html, page
    assert (
        "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Ops" in unit_page.read_text()
        or "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Ops" in unit_page.read_text()
    )
    assert_spreadsheet_safe(result.path)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def assert_spreadsheet_safe(version: Path) -> None:
    """Every CSV and workbook of a version: no text cell a spreadsheet would run as a formula,
    the hostile names still there (neutralised), numbers still numbers."""
    from openpyxl import load_workbook

    def number(text: str) -> bool:
        try:
            float(text)
        except ValueError:
            return False
        return True

    def text_cells(frame: pd.DataFrame) -> list[str]:
        """Cells a spreadsheet reads as text: a CSV's "-4.5" is a number to it."""
        return [v for c in frame.columns for v in frame[c] if isinstance(v, str) and not number(v)]

    downloads = {}
    for page in version.rglob("*.html"):
        for n, link in enumerate(
            re.findall(r'href="data:text/csv;charset=utf-8,([^"]+)"', page.read_text())
        ):
            text = urllib.parse.unquote(html.unescape(link))
            downloads[f"{page.relative_to(version)}#{n}"] = pd.read_csv(
                io.StringIO(text), dtype=object, keep_default_na=False
            )
    assert len(downloads) > 20  # every table on every page has one
    files = {
        name: pd.read_csv(version / "data" / name, dtype=object, keep_default_na=False)
        for name in ("metrics.csv", "projects.csv")
    }
    sheet = load_workbook(version / "data" / "metrics.xlsx")["metrics"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula at all
    workbook = [c.value for c in cells if isinstance(c.value, str)]
    for where, values in [
        *((k, text_cells(f)) for k, f in {**files, **downloads}.items()),
        ("metrics.xlsx", workbook),
    ]:
        assert not [v for v in values if v.startswith(FORMULA_START)], where
    assert "'" + HOSTILE_UNIT in workbook  # neutralised: shown as text, never run
    assert "'" + HOSTILE_UNIT in text_cells(files["metrics.csv"])
    assert "'" + HOSTILE_PROJECT in text_cells(files["projects.csv"])
    assert any("'" + HOSTILE_PROJECT in text_cells(f) for f in downloads.values())
    # A negative amount is a number, not text to neutralise: in the workbook and in the CSV.
    assert any(isinstance(c.value, float) and c.value < 0 for c in cells)
    values = pd.to_numeric(files["metrics.csv"]["value"].replace("", None))
    assert (values < 0).any()


def test_manifest(sample_site: Path) -> None:
    man = json.loads((sample_site / VERSION / "manifest.json").read_text())
    assert man["version"] == VERSION and man["engine"] == "builtin"
    assert set(man["hashes"]["data"]) == {
        "projects",
        "evm",
        "benefits",
        "cashflows",
        "alignment",
        "survey",
        "maturity",
        "pmo_services",
    }
    assert man["units"] == dict.fromkeys(UNITS, "ok")
    assert man["versions"]["pmovalue"]


def test_rebuild_with_identical_inputs_is_a_noop(sample_site: Path, sample_build) -> None:
    tmp = sample_site.parent
    before = {p: p.stat().st_mtime_ns for p in sample_site.rglob("*") if p.is_file()}
    result = build(options(tmp), log=lambda _m: None)
    assert result.status == "up-to-date"
    after = {p: p.stat().st_mtime_ns for p in sample_site.rglob("*") if p.is_file()}
    assert before == after


def test_other_inputs_for_a_published_version_are_refused(sample_site: Path) -> None:
    with pytest.raises(VersionConflict, match="--replace"):
        build(
            options(sample_site.parent, overrides=["finance.discount_rate=0.05"]),
            log=lambda _m: None,
        )


def test_failed_notebook_names_unit_and_cell_and_publishes_nothing(
    tmp_path: Path, repo: Path
) -> None:
    notebooks = tmp_path / "notebooks"
    shutil.copytree(repo / "notebooks", notebooks)
    nb = nbformat.read(notebooks / "unit_report.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell('raise ValueError("boom in " + unit_id)'))
    nbformat.write(nb, notebooks / "unit_report.ipynb")
    out = tmp_path / "site"
    with pytest.raises(NotebookFailed) as err:
        build(
            options(tmp_path, notebooks_dir=notebooks, units=["Retail Banking"]),
            log=lambda _m: None,
        )
    (failure,) = err.value.failures
    assert failure.unit_id == "retail-banking"
    assert failure.cell == 4  # 1-based, as in the source notebook
    assert "ValueError: boom in retail-banking" in failure.error
    saved = nbformat.read(failure.notebook, as_version=4)
    assert any(o.get("ename") == "ValueError" for c in saved.cells for o in c.get("outputs", []))
    assert not (out / VERSION).exists() and not (out / "versions.json").exists()
    assert "unit retail-banking, cell 4" in str(err.value)


def test_cli_bad_data_exits_2_and_publishes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "projects.csv").write_text(
        "project_id,project_name,unit_id,budget_at_completion\n"
        "P1,A,Ops,1000\nP2,B,Ops,12k\nP1,C,Ops,5\n"
    )
    val = run_cli("validate", "--data", str(data))
    assert val.returncode == 2
    assert f"{data}/projects.csv:3:budget_at_completion:" in val.stderr
    assert "duplicate project_id 'P1'" in val.stderr
    assert "Traceback" not in val.stderr
    out = tmp_path / "site"
    res = run_cli("build", "--data", str(data), "--out", str(out), "--engine", "builtin")
    assert res.returncode == 2, res.stderr
    assert "projects.csv:3:budget_at_completion" in res.stderr
    assert not out.exists() or not any(out.iterdir())


def test_cli_commentary_for_an_unknown_unit_exits_2(tmp_path: Path) -> None:
    """A commentary file whose name is no unit of the data: exit 2 naming the file, before
    any notebook runs, and nothing published."""
    bad = tmp_path / "commentary" / VERSION / "digital-chanels.md"
    bad.parent.mkdir(parents=True)
    bad.write_text("A typo in the file name.\n", encoding="utf-8")
    out = tmp_path / "site"
    res = run_cli(
        "build",
        *("--data", str(SAMPLE), "--params", str(REPO / "params"), "--out", str(out)),
        *("--engine", "builtin"),
        cwd=tmp_path,
    )
    assert res.returncode == 2, res.stderr
    named = f"commentary/{VERSION}/digital-chanels.md:"  # as found from where the user works
    assert named in res.stderr and "digital-channels" in res.stderr  # the file, the units
    assert "Traceback" not in res.stderr
    assert not out.exists() or not any(out.iterdir())


def test_cli_versions_and_diff(sample_site: Path) -> None:
    res = run_cli("versions", "--out", str(sample_site), "--json")
    assert res.returncode == 0
    assert json.loads(res.stdout)[0]["version"] == VERSION
    same = run_cli("diff", VERSION, VERSION, "--out", str(sample_site))
    assert same.returncode == 0 and "no metric changed" in same.stdout
    missing = run_cli("diff", VERSION, "1999-Q1", "--out", str(sample_site))
    assert missing.returncode == 2 and "1999-Q1 is not published" in missing.stderr


def test_quarto_engine_without_quarto_exits_2(tmp_path: Path) -> None:
    if shutil.which("quarto"):
        pytest.skip("quarto is installed here")
    res = run_cli("build", "--engine", "quarto", "--out", str(tmp_path / "site"))
    assert res.returncode == 2
    assert "quarto" in res.stderr.lower() and "install" in res.stderr.lower()


def test_sample_metrics_are_blank_only_where_the_data_is_missing(sample_site: Path) -> None:
    m = pd.read_csv(
        sample_site / VERSION / "data" / "metrics.csv", keep_default_na=False, na_values=[""]
    )
    blank = m[m["value"].isna()]
    # PMO effects need enough served and comparison projects: the portfolio has them, some
    # units do not, and say how many they have.
    pmo = blank["metric"].str.startswith("pmo_")
    assert not (blank["unit_id"][pmo] == "_portfolio").any()
    assert blank["note"][pmo].str.startswith("too few projects to compare: ").all()
    blank = blank[~pmo]
    # The sample's one gap: Operations & Technology answered 47% of its technology items.
    assert sorted(zip(blank["unit_id"], blank["metric"], strict=True)) == [
        ("operations-technology", "maturity_gap_technology"),
        ("operations-technology", "maturity_level"),
        ("operations-technology", "maturity_technology"),
    ]
    assert all(note for note in blank["note"])  # each blank says why
    assert "too few answers" in " ".join(blank["note"])


def test_assembly_work_done_ahead_is_what_the_assembly_would_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The work done while the last jobs run is the assembly's own: the data-quality page, the
    engine's assets and page template, the units' results (read once); an error in that thread
    is not lost: the assembly meets it again."""
    import sys

    from plotly.offline import get_plotlyjs

    import pmovalue.site.generated as generated
    from pmovalue import handoff
    from pmovalue.assembly import AssemblyAhead, _versions
    from pmovalue.execute.plan import UNIT, Job
    from pmovalue.inputs import prepare
    from pmovalue.results import ResultFiles
    from pmovalue.site.builtin import BuiltinEngine

    inputs = prepare(options(tmp_path), lambda _: None)
    work = tmp_path / "work"
    units = [Job(f"unit-{u}", UNIT, Path("unit.ipynb"), "", u, unit_id=u) for u in ("a", "b")]
    for i, job in enumerate(units):
        handoff.write_tables(
            work / "jobs" / job.id / "results",
            {
                "metrics": pd.DataFrame({"metric": ["cpi"], "value": [float(i)]}),
                "projects": pd.DataFrame({"project_id": [f"P{i}"]}),
            },
        )
    files = ResultFiles(work)
    stage = work / "stage"
    ahead = AssemblyAhead(inputs, files, BuiltinEngine(), stage)
    ahead.start(units)
    thread = ahead._thread
    ahead.start(units)  # asked again as the next portfolio-level job ends: still the one thread
    assert ahead._thread is thread
    page = ahead.data_quality_html()
    assert page == generated.data_quality_html(inputs.dataset)
    assert ahead.versions() == _versions() and "pandas" in ahead.versions()
    assert "xlsxwriter" in sys.modules  # imported ahead, for metrics.xlsx
    assets = stage / "_assets"
    assert (assets / "plotly.min.js").read_bytes() == get_plotlyjs().encode("utf-8")
    assert {p.name for p in assets.iterdir()} == {"plotly.min.js", "pmovalue.css", "pmovalue.js"}
    # The units' results were read ahead: the assembly gets them without reading again.
    shutil.rmtree(work / "jobs")
    assert files.collect(units, "metrics")["value"].tolist() == [0.0, 1.0]
    assert files.collect(units, "projects")["project_id"].tolist() == ["P0", "P1"]

    def broken(dataset: object) -> str:
        raise ValueError("no page")

    monkeypatch.setattr(generated, "data_quality_html", broken)
    failing = AssemblyAhead(inputs, ResultFiles(work), BuiltinEngine(), stage)
    failing.start([])
    with pytest.raises(ValueError, match="no page"):
        failing.data_quality_html()


PEERS_AHEAD = """
import os, sys, threading
from pathlib import Path
import pandas as pd
from pmovalue import build
from pmovalue.inputs import prepare
from tests.conftest import options

tmp, how = Path(sys.argv[1]), sys.argv[2]
if how == "with-a-thread":
    threading.Thread(target=threading.Event().wait, daemon=True).start()
real, parent = build._peer_metrics, os.getpid()
if how == "child-fails":
    def flaky(inputs):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return real(inputs)
    build._peer_metrics = flaky
inputs = prepare(options(tmp), lambda _: None)
ahead = build.PeersAhead(inputs, tmp / "work")
forked = ahead.pid is not None
pd.testing.assert_frame_equal(ahead.get(), real(inputs), check_exact=True)
stopped = build.PeersAhead(inputs, tmp / "work2")
stopped.close()  # a build that stops before it needs the peers leaves no child behind
assert stopped.pid is None
print(forked)
"""


@pytest.mark.parametrize(
    ("how", "forked"), [("single", True), ("with-a-thread", False), ("child-fails", True)]
)
def test_peers_computed_ahead_in_a_child_equal_the_peers_computed_here(
    tmp_path: Path, repo: Path, how: str, forked: bool
) -> None:
    """The peers come from a forked child (bit for bit what this process would compute) only
    when this process has no other thread; a child that fails costs time, not the build."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", PEERS_AHEAD, str(tmp_path), how],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=repo,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(forked)]
