"""`pmovalue init DIR`: a new reporting project that builds out of the box.

The templates are this repository's own notebooks, params, pages, _quarto.yml, sample data
and example commentary, reached through `pmovalue/skeleton/` (symbolic links in the source tree,
copied into wheels).
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from pmovalue.errors import UsageError

PROJECT_README = """# {name}: PMO value report

```sh
pmovalue validate --data data/sample     # check the data and parameters
pmovalue build                           # publish the latest quarter into site/
pmovalue serve                           # preview at http://127.0.0.1:8000/
```

Replace `data/sample/` with your own tables (or a folder with a `mapping.yml` for a PPM
export) and pass `--data`; edit `params/defaults.yml`, add `params/units/<unit_id>.yml` for
the keys a unit changes, and what-if scenarios in `params/scenarios/<name>.yml`.
The PMO's commentary for a quarter goes in `commentary/<period>/` (see its README.md).
"""

GITIGNORE = "/site/\n/.site.work/\n/.site.lock\n/.pmovalue/\n.ipynb_checkpoints/\n"
ITEMS = ("notebooks", "params", "pages", "_quarto.yml", "data/sample", "commentary")


def init_project(dest: Path) -> None:
    if dest.exists() and any(dest.iterdir()):
        raise UsageError(f"{dest} is not empty; choose a new folder for the project")
    skeleton = Path(str(resources.files("pmovalue") / "skeleton"))
    missing = [item for item in ITEMS if not (skeleton / item).exists()]
    if missing:
        raise UsageError(f"this installation of pmovalue lacks its project templates {missing}")
    dest.mkdir(parents=True, exist_ok=True)
    for item in ITEMS:
        src = (skeleton / item).resolve()
        target = dest / item
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        else:
            shutil.copy2(src, target)
    (dest / "README.md").write_text(PROJECT_README.format(name=dest.resolve().name))
    (dest / ".gitignore").write_text(GITIGNORE)
