"""Repository maintenance commands (not part of the installed product)."""
