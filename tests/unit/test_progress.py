import io

from pmovalue.errors import JobFailure
from pmovalue.execute.runner import JobResult
from pmovalue.progress import Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    p = Progress(3, 2, stream=out)
    p.submitted(["unit-a", "unit-b", "portfolio"])
    p.done(JobResult("unit-b", True, 1.25))
    p.done(JobResult("unit-a", True, 0.0, cached=True))
    assert out.getvalue().splitlines() == [
        "[1/3] unit-b: ok (1.2 s)",
        "[2/3] unit-a: ok (reused from cache)",
    ]
    assert "\r" not in out.getvalue()


def test_live_line_shows_counts_running_jobs_and_eta() -> None:
    out = Tty()
    p = Progress(4, 2, stream=out)
    p.submitted(["unit-a", "unit-b", "unit-c", "portfolio"])
    p.done(JobResult("unit-a", True, 2.0))
    line = p.line()
    assert line.startswith("[1/4] ")
    assert "left" in line  # an ETA once one job is done
    assert "running: unit-b, unit-c" in line  # the two workers' jobs, in start order
    assert out.getvalue().count("\r") >= 2  # redrawn in place, no log lines


def test_live_line_fits_an_80_column_terminal(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A line as wide as the terminal wraps, and each redraw would leave a cut line behind."""
    monkeypatch.setenv("COLUMNS", "80")
    out = Tty()
    p = Progress(12, 2, stream=out)
    p.submitted([f"unit-a-rather-long-business-unit-name-{i}" for i in range(12)])
    assert len(p.line()) > 80  # what it would write, uncut
    drawn = out.getvalue().split("\r\x1b[2K")[1:]
    assert drawn and all(len(line) <= 79 for line in drawn)
    assert drawn[-1].endswith("…")  # cut, and says so


def test_summary_lists_every_job_and_failure() -> None:
    p = Progress(2, 2, stream=io.StringIO())
    fail = JobFailure("unit-x", "x", 4, "ValueError: boom")
    p.done(JobResult("unit-x", False, 3.0, failure=fail))
    p.done(JobResult("portfolio", True, 1.0))
    text = p.summary()
    assert text.index("unit-x") < text.index("portfolio")  # slowest first
    assert "FAILED" in text and "unit x, cell 4: ValueError: boom" in text
