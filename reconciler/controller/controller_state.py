"""Where the controller keeps its state (LRO tokens, history): next to its lease, in the lease's
Blob container, so that a successor on another node finds it; else in the work directory."""

from __future__ import annotations

import argparse

from reconciler.controller.lease import LEASE_CONTAINER
from reconciler.engine.session import Session
from reconciler.runtime.documents import BlobDocuments, Documents, FileDocuments


def documents_for(args: argparse.Namespace, session: Session) -> Documents:
    """Controller state next to the lease: the lease's Blob container, else the work directory."""
    kind = args.lease
    if kind == "auto":
        kind = "file" if session.target.kind == "emulator" else "blob"
    if kind == "blob" and args.lease_connection_string:
        return BlobDocuments.from_connection_string(args.lease_connection_string, LEASE_CONTAINER, "")
    if kind == "blob":
        from azure.identity import DefaultAzureCredential
        from azure.storage.blob import ContainerClient

        account = session.secrets.lease_storage_account
        container = ContainerClient(
            f"https://{account}.blob.core.windows.net", LEASE_CONTAINER, credential=DefaultAzureCredential()
        )
        return BlobDocuments(container, "")
    return FileDocuments(session.target.work_dir)
