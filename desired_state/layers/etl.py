"""ETL layer: the staging storage account with its raw / staged / processed
containers, blob access for the ETL identities, a private endpoint where
enabled, diagnostics, and Data Factory where enabled (dev).

Every reader and writer of the account is a managed identity with a data role,
so shared keys are off: no key exists that could leak ("Prevent Shared Key
authorization for an Azure Storage account", Microsoft Learn)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.networking import NetworkingLayer
from desired_state.layers.observability import ObservabilityLayer
from desired_state.layers.security import SecurityLayer
from desired_state.resource import ResourceGroupSpec
from desired_state.specs.authorization import RoleAssignmentSpec
from desired_state.specs.datafactory import DataFactorySpec
from desired_state.specs.monitor import DiagnosticSettingSpec
from desired_state.specs.network import PrivateEndpointSpec
from desired_state.specs.storage import BlobContainerSpec, BlobServiceSpec, StorageAccountSpec

STAGING_CONTAINERS: tuple[str, ...] = ("raw", "staged", "processed")


@dataclass
class EtlLayer(LayerSpecs):
    """Staging storage for the ETL pipeline."""

    staging: StorageAccountSpec | None = None


def storage_diagnostics(
    layer: LayerSpecs, prefix: str, account: StorageAccountSpec, blobs: BlobServiceSpec, observability: ObservabilityLayer
) -> None:
    """An account's metrics and its blob service's logs (read, write, delete:
    denied requests included) to the workspace; the account itself has no log
    categories ("Monitor Azure Blob Storage", Microsoft Learn)."""
    if observability.workspace is None:
        return
    layer.add(
        DiagnosticSettingSpec(
            address=f"{prefix}.diagnostics.account", name="to-log-analytics", scope=account,
            workspace=observability.workspace, include_logs=False,
        )
    )
    layer.add(
        DiagnosticSettingSpec(
            address=f"{prefix}.diagnostics.blob", name="to-log-analytics", scope=blobs, workspace=observability.workspace,
        )
    )


def build(
    ctx: LayerContext,
    resource_group: ResourceGroupSpec,
    network: NetworkingLayer,
    security: SecurityLayer,
    observability: ObservabilityLayer,
) -> EtlLayer:
    layer = EtlLayer("etl")
    n = ctx.namer
    common: dict[str, Any] = {"resource_group": resource_group, "location": ctx.location, "tags": ctx.tags}
    staging = layer.add(
        StorageAccountSpec(
            address="etl.storage", name=n.compact("st", "etl"), public_network_access=not ctx.private,
            shared_key_access=False, **common,
        )
    )
    layer.staging = staging
    blobs = layer.add(BlobServiceSpec(address="etl.storage.blob_service", parent=staging))
    for container in STAGING_CONTAINERS:
        layer.add(BlobContainerSpec(address=f"etl.container.{container}", name=container, parent=staging))
    storage_diagnostics(layer, "etl", staging, blobs, observability)
    if ctx.private:
        network.add_private_endpoint(
            layer,
            PrivateEndpointSpec(
                address="etl.private_endpoint.blob", name=n.standard("pe", "st-etl"), subnet=network.subnets["data"],
                target=staging, group_id="blob", **common,
            )
        )
    if ctx.settings.features.enable_data_factory and "datafactory" in security.identities:
        layer.add(
            DataFactorySpec(
                address="etl.data_factory", name=n.unique("adf"), identity=security.identities["datafactory"],
                public_network_access=not ctx.private, **common,
            )
        )
    for workload in ("functions", "datafactory"):
        identity = security.identities.get(workload)
        if identity is not None:
            layer.add(
                RoleAssignmentSpec.grant(
                    f"etl.role.{workload}.blob_contributor", scope=staging, identity=identity,
                    role="Storage Blob Data Contributor", subscription_id=ctx.subscription_id,
                )
            )
    return layer
