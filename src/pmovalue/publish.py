"""Publish a staged version into the site: atomically, under a lock, never modifying in place.

site/<version>/ is only ever created by one rename of a complete staging folder; versions.json,
versions.js, latest/ and index.html are rewritten by write-to-temporary-then-rename. A published
version is replaced only with --replace, and its old copy is archived first.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import itertools
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pmovalue.errors import LockHeld, VersionConflict
from pmovalue.site.assets import templates

VERSIONS_JSON = "versions.json"
VERSIONS_JS = "versions.js"
MANIFEST = "manifest.json"
LATEST = "latest"
ARCHIVE = "_archive"


@dataclass
class VersionEntry:
    version: str
    title: str
    period: str
    scenario: str | None
    kind: str  # official | scenario
    published_at: str
    aliases: list[str] = field(default_factory=list)
    path: str = ""


def version_name(period: str, scenario: str | None) -> str:
    return f"{period}--{scenario}" if scenario else period


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def pause_point(name: str) -> None:
    """Failure-injection point for the kill -9 tests: PMOVALUE_PAUSE_AT=name stops here."""
    if os.environ.get("PMOVALUE_PAUSE_AT") == name:
        print(f"paused at {name}", file=sys.stderr, flush=True)
        time.sleep(float(os.environ.get("PMOVALUE_PAUSE_SECONDS", "60")))


class Site:
    """The published site folder (`--out`).

    Work folders, the lock and the publication journal live *beside* it (`.<name>.work/`,
    `.<name>.lock`), on the same filesystem so renames are atomic, and never inside it: a build
    killed before it publishes leaves the site byte-identical.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.work_root = out.parent / f".{out.name}.work"
        self.lock_path = out.parent / f".{out.name}.lock"
        self.journal = self.work_root / "publish-journal.json"

    # ---- reading ------------------------------------------------------------------------------

    def versions(self) -> list[VersionEntry]:
        path = self.out / VERSIONS_JSON
        if not path.is_file():
            return []
        return [VersionEntry(**v) for v in json.loads(path.read_text(encoding="utf-8"))]

    def manifest(self, version: str) -> dict[str, Any] | None:
        path = self.out / version / MANIFEST
        if not path.is_file():
            return None
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def is_up_to_date(
        self, version: str, inputs_hash: str, replace: bool, hashes: dict[str, Any] | None = None
    ) -> bool:
        """True: identical inputs already published (a no-op). Raises if other inputs are,
        naming the inputs that differ when `hashes` (those of `inputs_hash`) are given."""
        manifest = self.manifest(version)
        if manifest is None:
            return False
        if manifest.get("inputs_hash") == inputs_hash:
            return True
        if not replace:
            differ = _differences(manifest.get("hashes"), hashes) if hashes else []
            what = f": {', '.join(differ)} differ" if differ else ""
            raise VersionConflict(
                f"version {version} is already published in {self.out} with other inputs"
                f"{what} (published {manifest.get('finished_at', '?')}); a published version "
                "is never changed. Use --replace to archive it and publish again, or "
                "--scenario NAME for a what-if version."
            )
        return False

    # ---- locking and recovery -----------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """An exclusive lock the OS releases when the process dies (no stale lock files)."""
        self.out.parent.mkdir(parents=True, exist_ok=True)
        fh = self.lock_path.open("a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            raise LockHeld(
                f"another build (process {holder}) is publishing to {self.out}; wait for it to "
                "finish, or stop it, then run again"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            self.recover()
            shutil.rmtree(self.work_root, ignore_errors=True)  # leftovers of dead builds
            self.work_root.mkdir(parents=True, exist_ok=True)
            pause_point("locked")
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    def recover(self) -> bool:
        """Roll back a publication that was killed half-way (call with the lock held)."""
        if not self.journal.is_file():
            return False
        j = json.loads(self.journal.read_text(encoding="utf-8"))
        target = Path(j["target"])
        if j.get("moved_in") and target.exists() and not Path(j["stage"]).exists():
            os.rename(target, self.work_root / f"rollback-{time.time_ns()}")
        if j.get("archive") and Path(j["archive"]).exists() and not target.exists():
            os.rename(j["archive"], target)
        for name, backup in j["backups"].items():
            live = self.out / name
            if backup is None:
                live.unlink(missing_ok=True)
            elif Path(backup).exists():
                os.replace(backup, live)
        old_latest = j.get("old_latest")
        if old_latest and Path(old_latest).exists():
            current = self.out / LATEST
            if current.exists():
                os.rename(current, self.work_root / f"rollback-latest-{time.time_ns()}")
            os.rename(old_latest, current)
        elif j.get("latest_created") and (self.out / LATEST).exists():
            os.rename(self.out / LATEST, self.work_root / f"rollback-latest-{time.time_ns()}")
        archive = self.out / ARCHIVE
        if j.get("archive_created") and archive.is_dir() and not any(archive.iterdir()):
            archive.rmdir()
        self.journal.unlink()
        return True

    def work_dir(self, version: str) -> Path:
        path = self.work_root / f"{version}-{os.getpid()}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    # ---- publishing ---------------------------------------------------------------------------

    def publish(self, stage: Path, entry: VersionEntry, replace: bool) -> Path | None:
        """Move the staged version into place and refresh the listings; returns the archive.

        Journaled: killed at any step, the next build (under the lock) rolls it back."""
        target = self.out / entry.version
        self.out.mkdir(parents=True, exist_ok=True)
        backups: dict[str, str | None] = {}
        keep = self.work_root / f"backup-{os.getpid()}"
        keep.mkdir(parents=True, exist_ok=True)
        for name in (VERSIONS_JSON, VERSIONS_JS, "index.html"):
            live = self.out / name
            if live.exists():
                shutil.copy2(live, keep / name)
                backups[name] = str(keep / name)
            else:
                backups[name] = None
        archived = None
        if target.exists():
            if not replace:
                raise VersionConflict(f"version {entry.version} appeared while building; run again")
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            archived = self.out / ARCHIVE / f"{entry.version}-{stamp}"
            for n in itertools.count(2):  # replaced again within the same second
                if not archived.exists():
                    break
                archived = self.out / ARCHIVE / f"{entry.version}-{stamp}-{n}"
        journal: dict[str, Any] = {
            "target": str(target),
            "stage": str(stage),
            "archive": str(archived) if archived else None,
            "backups": backups,
            "moved_in": False,
            "old_latest": None,
            "latest_created": False,
            "archive_created": not (self.out / ARCHIVE).exists(),
        }
        self._write_journal(journal)
        pause_point("publish-start")
        if archived is not None:
            archived.parent.mkdir(parents=True, exist_ok=True)
            os.rename(target, archived)
        journal["moved_in"] = True
        self._write_journal(journal)
        os.rename(stage, target)
        pause_point("publish-moved")
        entries = [e for e in self.versions() if e.version != entry.version]
        entries.append(entry)
        self.write_listing(entries, journal, changed=entry.version)
        pause_point("publish-listed")
        self.journal.unlink()
        shutil.rmtree(keep, ignore_errors=True)
        if journal["old_latest"]:
            shutil.rmtree(journal["old_latest"], ignore_errors=True)
        return archived

    def _write_journal(self, journal: dict[str, Any]) -> None:
        self.work_root.mkdir(parents=True, exist_ok=True)
        self._write(self.journal, json.dumps(journal, indent=1))

    def _write(self, path: Path, text: str) -> None:
        """Write to a temporary file beside the site, then rename into place (atomic)."""
        self.work_root.mkdir(parents=True, exist_ok=True)
        tmp = self.work_root / f".{path.name}.{os.getpid()}.tmp"
        tmp.write_text(text, encoding="utf-8")
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def write_listing(
        self,
        entries: list[VersionEntry],
        journal: dict[str, Any] | None = None,
        changed: str | None = None,
    ) -> None:
        entries = sort_versions(entries)
        official = [e for e in entries if e.kind == "official"]
        latest = official[0] if official else None
        for e in entries:
            e.path = f"{e.version}/"
            e.aliases = [LATEST] if latest is not None and e.version == latest.version else []
        text = json.dumps([asdict(e) for e in entries], indent=2, ensure_ascii=False)
        self._write(self.out / VERSIONS_JSON, text + "\n")
        # A script, not JSON: pages opened from file:// cannot fetch() but can load scripts.
        self._write(self.out / VERSIONS_JS, f"window.PMOVALUE_VERSIONS = {text};\n")
        self._refresh_latest(latest, journal, changed)
        head = latest or (entries[0] if entries else None)
        if head is not None:
            html = (
                templates()
                .get_template("redirect.html.j2")
                .render(title=f"{head.title} {head.version}", target=f"{head.version}/index.html")
            )
            self._write(self.out / "index.html", html)

    def _refresh_latest(
        self, latest: VersionEntry | None, journal: dict[str, Any] | None, changed: str | None
    ) -> None:
        """latest/ is a full copy (no symlinks: Windows file shares), swapped in by rename."""
        current = self.out / LATEST
        marker = current / ".version"
        if latest is None:
            return
        same = marker.is_file() and marker.read_text().strip() == latest.version
        if same and changed != latest.version:  # a replaced latest version is copied again
            return
        fresh = self.work_root / f"latest-{os.getpid()}"
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(self.out / latest.version, fresh)
        (fresh / ".version").write_text(latest.version + "\n")
        old = self.work_root / f"latest-old-{os.getpid()}-{time.time_ns()}"
        if journal is not None:
            journal["old_latest"] = str(old) if current.exists() else None
            journal["latest_created"] = not current.exists()
            self._write_journal(journal)
        if current.exists():
            os.rename(current, old)
        os.rename(fresh, current)
        if journal is None:
            shutil.rmtree(old, ignore_errors=True)


def _differences(old: Any, new: dict[str, Any]) -> list[str]:
    """The inputs whose hashes differ, two levels deep (`data.evm`, `site.engine`)."""
    if not isinstance(old, dict):
        return []
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            out += [f"{key}.{k}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        else:
            out.append(key)
    return out


def sort_versions(entries: list[VersionEntry]) -> list[VersionEntry]:
    """Newest period first; within a period the official version, then scenarios by name."""
    by_name = sorted(entries, key=lambda e: e.version)
    return sorted(by_name, key=lambda e: (e.period, e.kind == "official"), reverse=True)
