"""Where the controller keeps its state (LRO tokens, history): next to its lease, in the lease's
Blob container, so that a successor on another node finds it; else in the work directory."""

from __future__ import annotations

import argparse

from adapters.blob_documents import BlobDocuments
from adapters.blob_lease import account_container
from reconciler.controller.lease import LEASE_CONTAINER
from reconciler.engine.session import Session
from reconciler.runtime.documents import Documents, FileDocuments


def documents_for(args: argparse.Namespace, session: Session) -> Documents:
    """Controller state next to the lease: the lease's Blob container, else the work directory."""
    kind = args.lease
    if kind == "auto":
        kind = "file" if session.target.kind == "emulator" else "blob"
    if kind == "blob" and args.lease_connection_string:
        return BlobDocuments.from_connection_string(args.lease_connection_string, LEASE_CONTAINER, "")
    if kind == "blob":
        return BlobDocuments(account_container(session.secrets.lease_storage_account, LEASE_CONTAINER), "")
    return FileDocuments(session.target.work_dir)
