"""`reconcile import`: an existing Azure estate turned into one desired-state layer module (docs/import.md).

    reading.py    what the resource groups hold: resources, their children and extensions, live bodies
    settable.py   what of a live body a user would set (ARM's field flags), secrets as settings
    typed.py      the search for a spec's field values that render a live body
    references.py ids between imported (and the estate's) resources as references, in dependency order
    model.py      the imported layer as data; context.py what its builders share
    as_typed.py   a resource as a typed spec of the estate's own, where one renders it exactly
    as_generic.py a resource as the generic spec, keeping what compares equal
    layer.py      every resource, in dependency order, as one or the other
    expressions.py, codegen.py  the module's Python source, formatted with ruff
    run.py        the command: refusals first, then read, model, write through the one file writer
"""
