"""`reconcile import`: an existing Azure estate turned into one desired-state layer module (docs/import.md).

    reading.py    what the resource groups hold: resources, their children and extensions, live bodies
    settable.py   what of a live body a user would set (ARM's field flags), secrets as settings
    typed.py      a typed spec of the estate's own that renders the live body, where one does
    references.py ids between imported (and the estate's) resources as references, in dependency order
    codegen.py    the module's Python source, formatted with ruff
    run.py        the command: refusals first, then read, model, write through the one file writer
"""
