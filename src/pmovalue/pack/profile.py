"""The pack's Chromium profile: a new one for each run (two packs at once never share one),
started from the compiled plotly.js that an earlier run kept.

Chromium writes a script's compiled code to its profile the second time it loads the script
(`ChromiumProfile.cold`: the pack then loads plotly.js once more, ~0.1 s, from memory); a run
that found nothing kept copies its profile's HTTP cache and code cache to a cache folder
(`cache_root`), under a key of the plotly.js and the Chromium used (either changed: nothing kept
is used). The next runs load plotly.js in ~0.25 s instead of ~1.1 s (see
`pmovalue.pack.loopback`). It is only a speed-up: a cache folder that cannot be read or written
makes a run start from nothing, as the first one did.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

KEPT = ("Cache", "Code Cache")  # the profile's folders (under Default/) worth keeping
CACHE_VAR = "PMOVALUE_CACHE_DIR"


def cache_root() -> Path:
    """Where the compiled plotly.js is kept: $PMOVALUE_CACHE_DIR/chromium, else the user's
    cache folder ($XDG_CACHE_HOME, else ~/.cache) /pmovalue/chromium."""
    if os.environ.get(CACHE_VAR):
        return Path(os.environ[CACHE_VAR]) / "chromium"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pmovalue" / "chromium"


def profile_key(plotly_digest: str, executable: str) -> str:
    """What the kept code is valid for: this plotly.js, compiled by this Chromium."""
    exe = Path(executable).resolve()
    stat = exe.stat()
    return hashlib.sha256(
        f"{plotly_digest}\n{exe}\n{stat.st_size}\n{stat.st_mtime_ns}".encode()
    ).hexdigest()[:32]


class ChromiumProfile:
    """A temporary user-data-dir, seeded from what was kept under `key` (None: keep nothing)."""

    def __init__(self, key: str | None) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="pmovalue-chromium-"))
        self._kept = cache_root() / key if key else None
        self.cold = self._kept is not None and not self._seed(self._kept)

    def _seed(self, kept: Path) -> bool:
        if not kept.is_dir():
            return False
        try:
            shutil.copytree(kept, self.path / "Default")
        except OSError:  # removed while read (a newer key was kept): start from nothing
            shutil.rmtree(self.path / "Default", ignore_errors=True)
            return False
        return True

    def keep(self) -> None:
        """After Chromium closed: keep this run's caches, when nothing was kept (written
        aside, then renamed into place: a run reading them sees all of them or none)."""
        if not self.cold or self._kept is None:
            return
        root = self._kept.parent
        with contextlib.suppress(OSError):
            root.mkdir(parents=True, exist_ok=True)
            aside = Path(tempfile.mkdtemp(prefix=".new-", dir=root))
            for name in KEPT:
                if (self.path / "Default" / name).is_dir():
                    shutil.copytree(self.path / "Default" / name, aside / name)
            try:
                aside.rename(self._kept)
            except OSError:  # another run kept its copy first
                shutil.rmtree(aside, ignore_errors=True)
                return
            for other in root.iterdir():  # what an older plotly.js or Chromium left
                if other != self._kept:
                    shutil.rmtree(other, ignore_errors=True)

    def cleanup(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
