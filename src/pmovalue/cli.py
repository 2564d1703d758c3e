"""The command line: parse, call one library function, map errors to exit codes.

0 success; 1 a notebook or the assembly failed; 2 bad input or usage. No traceback for user
errors: every message says what is wrong, where, and what to do.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import json
import os
import sys
import traceback
from pathlib import Path

from pmovalue import __version__
from pmovalue.errors import PmoValueError


def _default_data() -> Path:
    # A project with its own data/ folder uses it; otherwise the shipped demo organisation.
    own = Path("data")
    if (own.is_dir() and any(own.glob("projects.*"))) or (own / "mapping.yml").is_file():
        return own
    return Path("data/sample")


# Help texts shared by several commands.
DATA_HELP = (
    "data folder: the tables, or a mapping.yml (default: data when the project has its own "
    "tables there, else data/sample)"
)
PARAMS_HELP = "parameters folder: defaults.yml, units/, scenarios/ (default: %(default)s)"
OUT_HELP = "the site folder (default: %(default)s)"
JSON_HELP = "print JSON instead of a table"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pmovalue",
        description="PMO value reports: notebooks per business unit, published as a versioned "
        "static website.",
        epilog="Exit codes: 0 success, 1 a notebook or the assembly failed, 2 bad input or "
        "usage. The user guide is docs/guide.md.",
    )
    p.add_argument("--version", action="version", version=f"pmovalue {__version__}")
    p.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Every command and option has help text, and docs/guide.md mentions each (a test checks).

    init = sub.add_parser(
        "init",
        help="create a new reporting project that builds out of the box",
        description="Create DIR with notebooks/, params/, _quarto.yml, data/sample/, a README "
        "and a .gitignore: the sample organisation's project, ready for `pmovalue build`.",
    )
    init.add_argument("dir", type=Path, metavar="DIR", help="a new or empty folder")

    val = sub.add_parser(
        "validate",
        help="check data and parameters; print every problem",
        description="Check the data folder and every parameter file without building; print "
        "each problem as file:row:column: message (exit 2 if there is any).",
    )
    val.add_argument("--data", type=Path, default=None, metavar="DIR", help=DATA_HELP)
    val.add_argument("--params", type=Path, default=Path("params"), metavar="DIR", help=PARAMS_HELP)

    b = sub.add_parser(
        "build",
        help="validate, execute, assemble and publish one version",
        description="Validate the inputs, run the notebooks (one per unit, then the portfolio "
        "and maturity pages), assemble the pages and publish the version into the site. "
        "With inputs identical to a published version, do nothing.",
    )
    b.add_argument("--data", type=Path, default=None, metavar="DIR", help=DATA_HELP)
    b.add_argument("--params", type=Path, default=Path("params"), metavar="DIR", help=PARAMS_HELP)
    b.add_argument(
        "--notebooks",
        type=Path,
        default=Path("notebooks"),
        metavar="DIR",
        help="folder of unit_report.ipynb, portfolio.ipynb and maturity.ipynb "
        "(default: %(default)s)",
    )
    b.add_argument(
        "--period",
        metavar="YYYY-Qn",
        help="the quarter to report (default: the latest in the data)",
    )
    b.add_argument(
        "--units", metavar="A,B", help="comma-separated unit ids or names (default: all)"
    )
    b.add_argument(
        "-p",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter, value parsed as YAML (repeatable)",
    )
    b.add_argument(
        "--scenario",
        metavar="NAME",
        help="publish a what-if version <period>--NAME with params/scenarios/NAME.yml",
    )
    b.add_argument("--out", type=Path, default=Path("site"), metavar="DIR", help=OUT_HELP)
    b.add_argument(
        "--engine",
        choices=["auto", "builtin", "quarto"],
        default="auto",
        help="how pages are assembled: builtin (nbconvert + Jinja2), quarto, or auto: quarto "
        "when it is on PATH (default: %(default)s)",
    )
    b.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 2,
        metavar="N",
        help="notebooks run at once (default: the number of CPUs, %(default)s)",
    )
    b.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help="where notebooks run: local processes or a Dask cluster (default: %(default)s)",
    )
    b.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://127.0.0.1:8786 (with --executor dask)",
    )
    b.add_argument(
        "--replace",
        action="store_true",
        help="replace a published version (the old copy is archived)",
    )
    b.add_argument(
        "--allow-partial",
        action="store_true",
        help="publish even if some unit notebooks failed (marked on the site)",
    )
    b.add_argument("--no-cache", action="store_true", help="re-execute every notebook")
    b.add_argument(
        "--pdf",
        action="store_true",
        help="add the board pack (board-pack.pdf) to the version; needs pmovalue[pdf] and Chromium",
    )

    s = sub.add_parser(
        "serve",
        help="preview the published site over HTTP",
        description="Serve the site folder on 127.0.0.1 (search needs HTTP); Ctrl-C stops it.",
    )
    s.add_argument("--out", type=Path, default=Path("site"), metavar="DIR", help=OUT_HELP)
    s.add_argument(
        "--port", type=int, default=8000, help="the port on 127.0.0.1 (default: %(default)s)"
    )

    v = sub.add_parser(
        "versions",
        help="list published versions",
        description="List the versions published in the site, newest first.",
    )
    v.add_argument("--out", type=Path, default=Path("site"), metavar="DIR", help=OUT_HELP)
    v.add_argument("--json", action="store_true", help=JSON_HELP)

    pk = sub.add_parser(
        "pack",
        help="write the board pack (a PDF) of a published version; the site is not touched",
        description="Print a published version (a scenario too) to one PDF for a board "
        "meeting: cover, contents, portfolio, one section per unit, maturity, what changed. "
        "Needs pmovalue[pdf] and Chromium (PMOVALUE_CHROMIUM, or chromium on PATH).",
    )
    pk.add_argument(
        "version", metavar="VERSION", help="a published version, e.g. 2026-Q3 or 2026-Q3--high-rate"
    )
    pk.add_argument(
        "file", type=Path, metavar="FILE", help="the PDF to write, anywhere outside the site"
    )
    pk.add_argument("--out", type=Path, default=Path("site"), metavar="DIR", help=OUT_HELP)
    pk.add_argument(
        "--units",
        metavar="A,B",
        help="only these units (comma-separated ids or names): a unit committee's pack, "
        "without the portfolio-wide sections",
    )
    pk.add_argument(
        "--paper",
        metavar="A4|Letter",
        help="paper size (default: from the locale: Letter where it is the norm, else A4)",
    )

    d = sub.add_parser(
        "diff",
        help="metric changes between two published versions",
        description="Every metric whose value or status changed from version A to version B.",
    )
    d.add_argument("a", metavar="A", help="the earlier version, e.g. 2026-Q2")
    d.add_argument("b", metavar="B", help="the later version, e.g. 2026-Q3")
    d.add_argument("--out", type=Path, default=Path("site"), metavar="DIR", help=OUT_HELP)
    d.add_argument("--json", action="store_true", help=JSON_HELP)
    for command in sub.choices.values():  # also after the command: `pmovalue build --debug`
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP
        )
    return p


def entry() -> None:
    """The `pmovalue` command and `python -m pmovalue`: `main`, then the process ends without
    the interpreter's teardown of every module a build loaded (~40 ms of a ~3 s build). All
    it wrote is closed by then; the exit handlers (stopping the kernel zygote) still run."""
    code = main()
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = _reader_gone()
    sys.stderr.flush()
    os._exit(code)


DEBUG_HELP = "show the traceback of an unexpected error (or set PMOVALUE_DEBUG=1)"
SIGPIPE_EXIT = 141  # 128 + SIGPIPE: what a shell reports for a Unix tool whose reader left


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    debug = args.debug or os.environ.get("PMOVALUE_DEBUG", "") not in ("", "0")
    try:
        return _run(args)
    except PmoValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: nothing was published", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `pmovalue diff A B | head`: the reader has what it wanted
        return _reader_gone()
    except Exception as exc:
        if debug:
            traceback.print_exc()
        what = " ".join(str(exc).split())[:300]
        print(
            f"error: unexpected {type(exc).__name__}{': ' + what if what else ''}. This is a "
            "bug in pmovalue, not in your input: run again with --debug (or PMOVALUE_DEBUG=1) "
            "to see where, and report it",
            file=sys.stderr,
        )
        return 1


def _reader_gone() -> int:
    """Our standard output's reader closed it: end quietly, as Unix tools do. What is still
    buffered goes nowhere (else the interpreter's last flush would fail again)."""
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return SIGPIPE_EXIT


def _run(args: argparse.Namespace) -> int:
    if args.command == "validate":
        return _validate(args)
    if args.command == "build":
        from pmovalue.options import BuildOptions
        from pmovalue.quick import up_to_date

        opts = BuildOptions(
            data_dir=args.data or _default_data(),
            params_dir=args.params,
            notebooks_dir=args.notebooks,
            period=args.period,
            units=_names(args.units) if args.units else None,
            overrides=args.overrides,
            scenario=args.scenario,
            out=args.out,
            engine=args.engine,
            jobs=args.jobs,
            executor=args.executor,
            scheduler=args.scheduler,
            replace=args.replace,
            allow_partial=args.allow_partial,
            no_cache=args.no_cache,
            pdf=args.pdf,
        )
        # The no-op check first, before pandas and friends are even imported.
        version = up_to_date(opts)
        if version is not None:
            print(f"{version}: up to date")
            return 0
        from pmovalue.strings import use_python_strings

        # What the imports below allocate lives as long as the process: no collection while
        # they run (~0.07 s of the start), then frozen out of the collector's reach. (The gc
        # module's recipe for a process that forks: disable early, freeze, enable; the zygote,
        # forked meanwhile, enables its own collector once it has preloaded.)
        gc.disable()
        try:
            use_python_strings()  # imports pandas (see pmovalue.strings)
            if opts.executor == "local":
                from pmovalue.execute.kernels import zygote

                # Forked now, with pandas already imported, and still the only thread: its
                # other imports run on the other core while ours below run on this one.
                zygote(fork=True)
            # pandera loads hypothesis (~0.17 s) for its data-synthesis strategies whenever it
            # is installed (with our test dependencies, say); a build never synthesises data.
            sys.modules.setdefault("hypothesis", None)  # type: ignore[arg-type]
            from pmovalue.build import build

            gc.freeze()
        finally:
            gc.enable()
        result = build(opts)
        # The process ends next: spare the interpreter's final garbage collections their walk
        # over every object of the build (~0.3 s of a 5 s build) when `main` is called from
        # Python; the command (`entry`) skips the interpreter's teardown altogether.
        gc.freeze()
        if result.status == "up-to-date":
            print(f"{result.version}: up to date")
            return 0
        print(f"published {result.version}: {result.path / 'index.html'} ({result.seconds:.1f} s)")
        if result.failures:  # --allow-partial: published, but the run did not fully succeed
            from pmovalue.errors import NotebookFailed

            print(f"error: {NotebookFailed(result.failures, published=True)}", file=sys.stderr)
            return 1
        return 0
    if args.command == "versions":
        from pmovalue.publish import Site

        entries = Site(args.out).versions()
        if args.json:
            from dataclasses import asdict

            print(json.dumps([asdict(e) for e in entries], indent=2))
        elif not entries:
            print(f"no version is published in {args.out}")
        else:
            for e in entries:
                alias = " (latest)" if "latest" in e.aliases else ""
                print(f"{e.version:<28} {e.kind:<9} {e.published_at}{alias}")
        return 0
    if args.command == "diff":
        from pmovalue.diff import metric_changes
        from pmovalue.errors import UsageError
        from pmovalue.outputs import read_metrics

        frames = []
        for v in (args.a, args.b):
            path = args.out / v / "data" / "metrics.csv"
            if not path.is_file():
                raise UsageError(
                    f"version {v} is not published in {args.out} (see `pmovalue versions`)"
                )
            frames.append(read_metrics(path))
        changes = metric_changes(*frames)
        if args.json:
            print(changes.to_json(orient="records", indent=2))
        else:
            print(changes.to_string(index=False) if len(changes) else "no metric changed")
        return 0
    if args.command == "pack":
        from pmovalue.pack import pack_version
        from pmovalue.pack.paper import paper_named

        result = pack_version(
            args.out,
            args.version,
            args.file,
            units=_names(args.units) if args.units is not None else None,
            paper=paper_named(args.paper) if args.paper else None,
        )
        print(
            f"wrote {args.file}: the board pack of {args.version}, {result.pages} pages "
            f"({result.paper.name})"
        )
        for url in result.blocked:
            print(f"warning: blocked a request outside the version: {url}", file=sys.stderr)
        return 0
    if args.command == "serve":
        from pmovalue.serve import serve

        serve(args.out, args.port)
        return 0
    if args.command == "init":
        from pmovalue.scaffold import init_project

        init_project(args.dir)
        print(f"created a reporting project in {args.dir}; cd there and run `pmovalue build`")
        return 0
    raise AssertionError(args.command)  # pragma: no cover


def _names(text: str) -> list[str]:
    """A comma-separated list of names (`--units a,b`)."""
    return [u.strip() for u in text.split(",") if u.strip()]


def _validate(args: argparse.Namespace) -> int:
    from pmovalue.config import load_params, unit_param_files
    from pmovalue.data.loading import validate_data

    data = args.data or _default_data()
    problems = validate_data(data)
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        prefix = "" if p.severity == "error" else "warning: "
        print(f"{prefix}{p}", file=sys.stderr)
    load_params(args.params)
    for uid in unit_param_files(args.params):
        load_params(args.params, uid)
    if errors:
        print(f"{len(errors)} problem(s); fix them and run again", file=sys.stderr)
        return 2
    print(f"{data}: ok ({len(problems)} warning(s)); {args.params}: ok")
    return 0
