"""asylstat: a reproducible workbench for Belgian asylum and Dublin statistics."""

import sys

__version__ = "0.1.0"

# jsonschema, which nbformat, papermill and scrapbook import, imports ``rfc3987_syntax`` when
# it is installed (JupyterLab's jupyter-events brings it, through jsonschema[format-nongpl]),
# and that module compiles an Earley grammar at import: 5.6 s of CPU in the run's process and
# in every notebook kernel. Only jsonschema's "iri" format checks use it, and no notebook
# schema has an IRI, so asylstat's processes import it as absent (jsonschema then skips
# those two checks, as when the package is not installed). Measured with
# ``python -X importtime -c "import asylstat.run"``: 7.2 s before, see docs/benchmark.md.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
