"""Each domain notebook runs top to bottom with its default parameters (as in JupyterLab,
where the kernel's working directory is notebooks/ and the default warehouse is
../data/demo.duckdb), and stays thin: no function, class or SQL of its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from asylstat import paths
from asylstat.domains import all_domains

NOTEBOOKS = sorted(p.name for p in paths.notebooks_dir().glob("[0-8]*.ipynb"))


def test_every_domain_has_its_notebook():
    assert sorted(d.notebook for d in all_domains()) == NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_thin(name):
    nb = nbformat.read(paths.notebooks_dir() / name, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells)
    for source in code:
        assert "def " not in source and "class " not in source, name
        assert "SELECT" not in source.upper().split("#")[0], name
        assert "print(" not in source, name
    assert nb.metadata.kernelspec.name == "python3"


@pytest.fixture(scope="module")
def lab_copy(tmp_path_factory, synthetic_warehouse) -> Path:
    """A copy of notebooks/ beside a copy of the session's synthetic warehouse at
    ../data/demo.duckdb."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(paths.notebooks_dir(), root / "notebooks")
    synthetic_warehouse.copy(root / "data" / "demo.duckdb")
    return root


@pytest.mark.e2e
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_with_its_default_parameters(lab_copy, name):
    source = lab_copy / "notebooks" / name
    out = lab_copy / f"executed-{name}"
    pm.execute_notebook(str(source), str(out), kernel_name="python3",
                        cwd=str(lab_copy / "notebooks"), progress_bar=False)
    executed = nbformat.read(out, as_version=4)
    assert not any(o.get("output_type") == "error" for c in executed.cells
                   for o in c.get("outputs", []))
