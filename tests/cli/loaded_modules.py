"""`python -m tests.cli.loaded_modules OUT ARGS...`: run `reconcile ARGS...`
in this fresh process, then write the azure-mgmt packages it imported (one a
line, e.g. `azure.mgmt.network`) to OUT."""

from __future__ import annotations

import sys
from pathlib import Path

from reconciler.cli.main import main


def azure_mgmt_packages() -> list[str]:
    return sorted({".".join(m.split(".")[:3]) for m in sys.modules if m.startswith("azure.mgmt.")})


if __name__ == "__main__":
    out = Path(sys.argv[1])
    try:
        code = main(sys.argv[2:])
    except SystemExit as stop:  # --help exits through argparse
        code = stop.code if isinstance(stop.code, int) else 1
    azure = sorted(m for m in sys.modules if m == "azure" or m.startswith("azure."))
    out.write_text("\n".join(["exit " + str(code), *azure]) + "\n")
