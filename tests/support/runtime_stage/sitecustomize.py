"""Imported by Python at start-up when this folder is on PYTHONPATH (tests/test_runtime_stage.py).

It makes the modules named in DOSSIER_TEST_MISSING impossible to import, as they are in the Docker
image's runtime stage, which installs requirements/serve.lock and not the export libraries.
"""

import os
import sys

for name in os.environ.get("DOSSIER_TEST_MISSING", "").split(","):
    if name:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` now raises ImportError
