"""Publish a staged version into the site: atomically, under a lock, never modifying in place.

site/<version>/ is only ever created by one rename of a complete staging folder; versions.json,
versions.js, latest/ and index.html are rewritten by write-to-temporary-then-rename. A published
version is replaced only with --replace, and its old copy is archived first.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pmovalue.errors import LockHeld, VersionConflict
from pmovalue.site.engines import templates

VERSIONS_JSON = "versions.json"
VERSIONS_JS = "versions.js"
MANIFEST = "manifest.json"
LATEST = "latest"
ARCHIVE = "_archive"
WORK = ".work"  # staging and job folders; same filesystem as the site, so renames are atomic
RESERVED = {LATEST, ARCHIVE, WORK, "pagefind", "_assets"}


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


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Site:
    """The published site folder (`--out`)."""

    def __init__(self, out: Path) -> None:
        self.out = out

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

    def is_up_to_date(self, version: str, inputs_hash: str, replace: bool) -> bool:
        """True: identical inputs already published (a no-op). Raises if other inputs are."""
        manifest = self.manifest(version)
        if manifest is None:
            return False
        if manifest.get("inputs_hash") == inputs_hash:
            return True
        if not replace:
            raise VersionConflict(
                f"version {version} is already published in {self.out} with other inputs "
                f"(published {manifest.get('finished_at', '?')}); a published version is never "
                "changed. Use --replace to archive it and publish again, or --scenario NAME for "
                "a what-if version."
            )
        return False

    # ---- writing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """An exclusive lock the OS releases when the process dies (no stale lock files)."""
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / ".lock"
        fh = path.open("a+")
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
            self._clean_stale_work()
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()

    def _clean_stale_work(self) -> None:
        # Holding the lock, any leftover work folder belongs to a build that died.
        shutil.rmtree(self.out / WORK, ignore_errors=True)

    def work_dir(self, version: str) -> Path:
        path = self.out / WORK / f"{version}-{os.getpid()}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def publish(self, stage: Path, entry: VersionEntry, replace: bool) -> Path | None:
        """Move the staged version into place and refresh the listings; returns the archive."""
        target = self.out / entry.version
        archived = None
        if target.exists():
            if not replace:
                raise VersionConflict(f"version {entry.version} appeared while building; run again")
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            archived = self.out / ARCHIVE / f"{entry.version}-{stamp}"
            archived.parent.mkdir(parents=True, exist_ok=True)
            os.rename(target, archived)
        os.rename(stage, target)
        entries = [e for e in self.versions() if e.version != entry.version]
        entries.append(entry)
        self.write_listing(entries)
        return archived

    def write_listing(self, entries: list[VersionEntry]) -> None:
        entries = sort_versions(entries)
        official = [e for e in entries if e.kind == "official"]
        latest = official[0] if official else None
        for e in entries:
            e.path = f"{e.version}/"
            e.aliases = [LATEST] if latest is not None and e.version == latest.version else []
        data = [asdict(e) for e in entries]
        text = json.dumps(data, indent=2, ensure_ascii=False)
        write_atomic(self.out / VERSIONS_JSON, text + "\n")
        # A script, not JSON: pages opened from file:// cannot fetch() but can load scripts.
        write_atomic(self.out / VERSIONS_JS, f"window.PMOVALUE_VERSIONS = {text};\n")
        self._refresh_latest(latest)
        head = latest or (entries[0] if entries else None)
        if head is not None:
            html = (
                templates()
                .get_template("redirect.html.j2")
                .render(title=f"{head.title} {head.version}", target=f"{head.version}/index.html")
            )
            write_atomic(self.out / "index.html", html)

    def _refresh_latest(self, latest: VersionEntry | None) -> None:
        """latest/ is a full copy (no symlinks: Windows file shares), swapped in by rename."""
        current = self.out / LATEST
        marker = current / ".version"
        if latest is None:
            return
        if marker.is_file() and marker.read_text().strip() == latest.version:
            return
        fresh = self.out / WORK / f"latest-{os.getpid()}"
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.copytree(self.out / latest.version, fresh)
        (fresh / ".version").write_text(latest.version + "\n")
        old = self.out / WORK / f"latest-old-{os.getpid()}-{time.time_ns()}"
        if current.exists():
            os.rename(current, old)
        os.rename(fresh, current)
        shutil.rmtree(old, ignore_errors=True)


def sort_versions(entries: list[VersionEntry]) -> list[VersionEntry]:
    """Newest period first; within a period the official version, then scenarios by name."""
    by_name = sorted(entries, key=lambda e: e.version)
    return sorted(by_name, key=lambda e: (e.period, e.kind == "official"), reverse=True)
