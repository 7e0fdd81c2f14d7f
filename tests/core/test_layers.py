"""`make lint` refuses an import against the app layers (import-linter, pyproject.toml): the
contracts are checked on a copy of the code, once as it is and once with a wrong import."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def copy_of_the_code(into: Path) -> Path:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for package in config["tool"]["importlinter"]["root_packages"]:
        shutil.copytree(
            ROOT / package, into / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", into / "pyproject.toml")
    return into


def lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
    )


def test_the_layers_hold_and_a_wrong_import_fails_lint(tmp_path):
    code = copy_of_the_code(tmp_path)
    clean = lint(code)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # core is a leaf: it may not import a domain app.
    (code / "core" / "probe.py").write_text("import governance.models  # noqa\n")
    # and governance may not import rewards (rewards reacts to its events).
    (code / "governance" / "probe.py").write_text("from rewards import services  # noqa\n")
    broken = lint(code)
    assert broken.returncode != 0
    assert "core.probe -> governance.models" in broken.stdout
    assert "governance.probe -> rewards.services" in broken.stdout
