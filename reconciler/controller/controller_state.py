"""Where the controller keeps its state (LRO tokens, history): next to its lease, in the lease's
Blob container, so that a successor on another node finds it; else in the work directory."""

from __future__ import annotations

import argparse
import os

from adapters.blob_documents import BlobDocuments
from adapters.blob_lease import account_container
from reconciler.controller.history import History
from reconciler.controller.lease import LEASE_CONTAINER
from reconciler.engine.session import Session
from reconciler.runtime.documents import Documents, FileDocuments


def history_for(session: Session) -> History:
    """Where every write path keeps history (one-shot `--yes`, `apply PLANFILE`, the controller):
    next to the controller's lease as `reconcile run --lease auto` keeps it, so `reconcile
    history ADDRESS` (also `--lease auto` by default) finds it whoever wrote."""
    args = argparse.Namespace(lease="auto", lease_connection_string=os.environ.get("RECONCILER_LEASE_CONNECTION_STRING"))
    return History(documents_for(args, session), session.state.environment)


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
