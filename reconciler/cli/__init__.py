"""The `reconcile` command line: the dispatcher (`main`), the subcommands and plan rendering."""
