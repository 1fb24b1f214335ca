"""Controller documents as block blobs in the lease's container (`reconciler.runtime.documents`
describes documents): every update is conditional on the blob's ETag (`If-Match`; a 412 means
another writer came in between: read again and retry)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from adapters.paging import sdk_items

_RETRIES = 8


class BlobDocuments:
    """Documents as block blobs ``<prefix>/<name>`` in a container (``azure.storage.blob.ContainerClient``)."""

    def __init__(self, container: Any, prefix: str) -> None:
        self.container = container
        self.prefix = prefix.strip("/")
        self._lock = threading.Lock()

    @classmethod
    def from_connection_string(cls, connection_string: str, container: str, prefix: str) -> BlobDocuments:
        from azure.storage.blob import ContainerClient

        return cls(ContainerClient.from_connection_string(connection_string, container), prefix)

    @property
    def where(self) -> str:
        return f"blob container {self.container.container_name}" + (f"/{self.prefix}" if self.prefix else "")

    def _blob(self, name: str) -> Any:
        return self.container.get_blob_client(f"{self.prefix}/{name}" if self.prefix else name)

    def _read(self, name: str) -> tuple[Any, str | None]:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            downloaded = self._blob(name).download_blob()
        except ResourceNotFoundError:
            return None, None
        try:
            return json.loads(downloaded.readall()), downloaded.properties.etag
        except ValueError:
            return None, downloaded.properties.etag

    def load(self, name: str) -> Any:
        return self._read(name)[0]

    def names(self, folder: str) -> list[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        listed = self.container.list_blob_names(name_starts_with=f"{start}{folder.strip('/')}/")
        # The one pager (adapters/paging.py): a listing that never ends is stopped, naming it.
        return sorted(str(name)[len(start):] for name in sdk_items(listed, f"{self.where}/{folder.strip('/')}"))

    def update(self, name: str, change: Callable[[Any], Any]) -> Any:
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError

        with self._lock:
            for _ in range(_RETRIES):
                current, etag = self._read(name)
                value = change(current)
                data = json.dumps(value, sort_keys=True).encode()
                try:
                    if etag is None:
                        self._blob(name).upload_blob(data, overwrite=False)
                    else:
                        self._blob(name).upload_blob(
                            data, overwrite=True, etag=etag, match_condition=MatchConditions.IfNotModified
                        )
                    return value
                except (ResourceModifiedError, ResourceExistsError, ResourceNotFoundError):
                    continue  # someone wrote in between: read again
            raise RuntimeError(f"{self.where}/{name}: kept changing under us; not updated")
