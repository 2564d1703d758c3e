"""Kill builds at random moments and count the processes they leave behind.

    .venv/bin/python scripts/stress_kill.py --kills 100 [--subreaper]

Each round starts `pmovalue build --no-cache` into an empty site folder, sends `kill -9` to the
build's main process after a random delay (uniform over the length of one whole build, measured
first), waits `--grace` seconds and then looks for any process of that build still alive. A
build's processes are recognised by a mark in their environment, which every process it forks
or starts inherits, whoever their parent is by then. Survivors are listed, then killed.

Prints one line per round and a JSON summary: rounds, moments, what the build was doing when
killed, survivors.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MARK = "PMOVALUE_STRESS_ROUND"


def marked(value: str) -> list[int]:
    """Live processes whose environment holds MARK=value (zombies are dead)."""
    needle = f"{MARK}={value}".encode() + b"\0"
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if needle not in (proc / "environ").read_bytes():
                continue
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            found.append(int(proc.name))
    return found


def command_line(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")).decode()[:120]
    except OSError:
        return "?"


def start_build(site: Path, log: Path, mark: str, args: argparse.Namespace) -> subprocess.Popen:
    command = [sys.executable, "-m", "pmovalue", "build", "--data", str(args.data)]
    command += ["--out", str(site), "--no-cache", "--engine", "builtin", "--jobs", str(args.jobs)]
    env = {**os.environ, MARK: mark, "PYTHONWARNINGS": "ignore"}
    with log.open("w") as err:
        return subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True
        )


def phase(log: Path, finished: bool) -> str:
    """What the build was doing when it was killed, from its log lines."""
    if finished:
        return "finished before the kill"
    text = log.read_text(errors="replace")
    if "job(s) in" in text:  # the jobs' summary: assembling or publishing
        return "assembling or publishing"
    if "[" in text:  # a job's line: "[1/12] unit-x: ok (1.2 s)"
        return "executing, a job done"
    return "starting, or first jobs running"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--kills", type=int, default=100, help="rounds (default 100)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    p.add_argument("--grace", type=float, default=2.0, help="seconds allowed to end (2)")
    p.add_argument("--data", type=Path, default=REPO / "data" / "sample")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument(
        "--subreaper",
        action="store_true",
        help="adopt the orphans (as systemd, tini -s or a container's init do): their parent "
        "is then neither the killed one nor 1",
    )
    p.add_argument(
        "--span",
        type=float,
        default=None,
        help="kill within this many seconds "
        "of the start (default: the length of one whole build, measured first)",
    )
    args = p.parse_args()
    seed = args.seed if args.seed is not None else time.time_ns() % 2**32
    rng = random.Random(seed)
    if args.subreaper:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    tmp = Path(tempfile.mkdtemp(prefix="pmovalue-stress-"))
    rounds: list[dict[str, object]] = []
    try:
        span = args.span
        if span is None:
            started = time.monotonic()
            first = start_build(tmp / "measure" / "site", tmp / "measure.log", "measure", args)
            if first.wait() != 0:
                print((tmp / "measure.log").read_text(), file=sys.stderr)
                return 1
            span = time.monotonic() - started
            print(f"one whole build: {span:.1f} s; killing within [0, {span:.1f}] s")
        for i in range(args.kills):
            mark = f"{os.getpid()}-{i}"
            site, log = tmp / f"r{i}" / "site", tmp / f"r{i}.log"
            moment = rng.uniform(0, span)
            build = start_build(site, log, mark, args)
            time.sleep(moment)
            finished = build.poll() is not None
            seen = len(marked(mark))
            build.send_signal(signal.SIGKILL)
            build.wait()
            time.sleep(args.grace)
            survivors = marked(mark)
            with contextlib.suppress(ChildProcessError):  # the adopted orphans that ended
                while os.waitpid(-1, os.WNOHANG)[0]:
                    pass
            what = [command_line(pid) for pid in survivors]
            for pid in survivors:
                os.kill(pid, signal.SIGKILL)
            rounds.append(
                {
                    "moment": round(moment, 3),
                    "phase": phase(log, finished),
                    "processes_at_kill": seen,
                    "survivors": what,
                }
            )
            print(
                f"{i + 1:>4}/{args.kills} killed at {moment:5.2f} s "
                f"({rounds[-1]['phase']}, {seen} processes): {len(survivors)} survivor(s)"
                + (f" {what}" if what else ""),
                flush=True,
            )
            shutil.rmtree(tmp / f"r{i}", ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    moments = [float(r["moment"]) for r in rounds]  # type: ignore[arg-type]
    bins = Counter(f"{int(m)}-{int(m) + 1} s" for m in moments)
    summary = {
        "seed": seed,
        "subreaper": args.subreaper,
        "grace_seconds": args.grace,
        "span_seconds": round(span, 2),
        "builds_killed": len(rounds),
        "moments": dict(sorted(bins.items(), key=lambda kv: int(kv[0].split("-")[0]))),
        "phases": dict(Counter(str(r["phase"]) for r in rounds)),
        "processes_at_kill_max": max((int(r["processes_at_kill"]) for r in rounds), default=0),  # type: ignore[call-overload]
        "rounds_with_survivors": sum(1 for r in rounds if r["survivors"]),
        "survivors": sum(len(r["survivors"]) for r in rounds),  # type: ignore[arg-type]
    }
    print(json.dumps(summary, indent=2))
    return 1 if summary["survivors"] else 0


if __name__ == "__main__":
    sys.exit(main())
