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
from reconciler.runtime.inputs import InputError


def history_for(session: Session) -> History:
    """Where every write path keeps history (one-shot `--yes`, `apply PLANFILE`, the controller):
    next to the controller's lease as `reconcile run --lease auto` keeps it, so `reconcile
    history ADDRESS` (also `--lease auto` by default) finds it whoever wrote."""
    args = argparse.Namespace(lease="auto", lease_connection_string=os.environ.get("RECONCILER_LEASE_CONNECTION_STRING"))
    return History(documents_for(args, session), session.state.environment)


def documents_for(args: argparse.Namespace, session: Session) -> Documents:
    """Controller state next to the lease: the lease's Blob container, else the work directory. The one
    place the lease's kind picks a storage (`reconcile run` and `reconcile history` come here before
    the lease is taken): an unusable choice is refused here, in one line naming the option."""
    kind = args.lease
    if kind == "auto":
        kind = "file" if session.target.kind == "emulator" else "blob"
    if kind == "blob" and args.lease_connection_string:
        try:
            return BlobDocuments.from_connection_string(args.lease_connection_string, LEASE_CONTAINER, "")
        except ValueError:  # the SDK's "Connection string is either blank or malformed." names no option
            raise InputError(
                "--lease-connection-string (or RECONCILER_LEASE_CONNECTION_STRING): not a storage connection string; "
                "give one like DefaultEndpointsProtocol=https;AccountName=NAME;AccountKey=KEY;EndpointSuffix=core.windows.net"
            ) from None
    if kind == "blob" and session.target.kind == "emulator":
        # No storage account to lease on: DefaultAzureCredential would look for one for minutes.
        raise InputError("--lease blob on the emulator needs --lease-connection-string (a storage account or "
                         "Azurite); or use --lease file (the default there)")
    if kind == "blob":
        return BlobDocuments(account_container(session.secrets.lease_storage_account, LEASE_CONTAINER), "")
    return FileDocuments(session.target.work_dir)
