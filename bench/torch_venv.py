"""The virtual environment the torch templates' benches train in."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

TORCH = "torch==2.13.0"  # The local CPU build: installed first, so nothing pulls a CUDA build.


def bench_python(venv_dir: Path, project: Path) -> Path:
    """The bench venv's python, with torch (CPU build) and the rendered project installed."""
    python = venv_dir / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(venv_dir)
        subprocess.run([*pip, TORCH], check=True)
    subprocess.run([*pip, "-e", str(project)], check=True)
    return python
