"""One root exception with subclasses that carry where the problem is.

The CLI maps `InputError` subclasses to exit code 2 and `RunError` subclasses to exit code 1.
"""

from __future__ import annotations

from dataclasses import dataclass


class PmoValueError(Exception):
    """Root of every error pmovalue raises on purpose."""

    exit_code = 1


class InputError(PmoValueError):
    """Bad input or usage: the user has something to fix (exit code 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, located as `file:row:column`.

    `row` counts as the file is seen in a spreadsheet (header = row 1); None when the problem
    concerns the whole file or column. For a database source (`in_result`), `file` names the
    table and its query in mapping.yml, `row` is the position in the query's result, and the
    problem prints as `projects (query at mapping.yml:3): row 12: column bac: message`.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    severity: str = "error"  # error | warning
    in_result: bool = False

    def __str__(self) -> str:
        if self.in_result:
            parts = [self.file]
            if self.row is not None:
                parts.append(f"row {self.row}")
            if self.column is not None:
                parts.append(f"column {self.column}")
            return ": ".join([*parts, self.message])
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.column is not None:
            where += f":{self.column}" if self.row is not None else f"::{self.column}"
        return f"{where}: {self.message}"


class ValidationFailed(InputError):
    """Input data failed validation; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        head = f"{len(errors)} problem(s) in the input data; fix them and run again:"
        super().__init__("\n".join([head, *(str(p) for p in errors)]))


class SourceUnreadable(InputError):
    """A database source in mapping.yml could not be read: driver, connection, query.
    The message names the table and its line in mapping.yml, never a password."""


class ParamsError(InputError):
    """A parameter file or override is wrong; names the key and the file it came from."""

    def __init__(self, message: str, key: str | None = None, source: str | None = None) -> None:
        self.key = key
        self.source = source
        where = ""
        if source:
            where += f"{source}: "
        if key:
            where += f"{key}: "
        super().__init__(f"{where}{message}")


class UsageError(InputError):
    """A command was called with options that cannot work together."""


class VersionConflict(InputError):
    """The version is already published with other inputs and --replace was not given."""


class LockHeld(InputError):
    """Another build holds the site lock."""


class EngineUnavailable(InputError):
    """The requested engine (Quarto) is not installed."""


class BrowserUnavailable(InputError):
    """The board pack needs Chromium (and the `pdf` extra), and it is not installed."""


class RunError(PmoValueError):
    """Something failed while running: a notebook, the assembly or the publication (exit 1)."""

    exit_code = 1


@dataclass(frozen=True)
class JobFailure:
    """Where and why one notebook job failed."""

    job: str
    unit_id: str | None
    cell: int | None
    error: str
    notebook: str | None = None

    def __str__(self) -> str:
        where = f"unit {self.unit_id}" if self.unit_id else self.job
        cell = f", cell {self.cell}" if self.cell is not None else ""
        saved = f" (executed notebook saved at {self.notebook})" if self.notebook else ""
        return f"{where}{cell}: {self.error}{saved}"


class NotebookFailed(RunError):
    """One or more notebook jobs failed; carries every failure."""

    def __init__(self, failures: list[JobFailure], published: bool = False) -> None:
        self.failures = failures
        tail = (
            "the other jobs were published (--allow-partial)."
            if published
            else "nothing was published; fix the cause or use --allow-partial."
        )
        lines = [
            f"{len(failures)} notebook job(s) failed; {tail}",
            *(f"  {f}" for f in failures),
        ]
        super().__init__("\n".join(lines))


class AssemblyError(RunError):
    """The site engine failed to assemble pages."""
