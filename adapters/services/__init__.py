"""One module per azure-mgmt service; each declares its ARM types as data (`TYPES`)."""
