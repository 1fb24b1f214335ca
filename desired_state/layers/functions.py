"""Functions layer: the host storage account, the plan per the cost table
(Consumption Y1 where dependencies are public, Elastic Premium EP1 with VNet
integration wherever they are private: staging and prod) and the four
workers: queue worker, topic worker, ETL processor and third-party sync.

The workers are private (the plan's "private workers, HTTP trigger internal
only"): on Elastic Premium public network access is off and each app has a
private endpoint in the integration subnet; on Consumption, which has no
private endpoint, access restrictions deny every public caller of the app and
of its SCM site (`FunctionAppSpec`). The host storage account takes no shared
key anywhere (identity-based `AzureWebJobsStorage`, code run from a package
fetched with the app's identity) and, where the plan is Elastic Premium, is
private too, reached through its blob and queue private endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.database import DatabaseLayer
from desired_state.layers.etl import EtlLayer, storage_diagnostics
from desired_state.layers.messaging import MessagingLayer
from desired_state.layers.networking import NetworkingLayer
from desired_state.layers.observability import ObservabilityLayer
from desired_state.layers.security import THIRDPARTY_API_KEY_SECRET, SecurityLayer
from desired_state.resource import ResourceGroupSpec, ResourceSpec
from desired_state.specs.authorization import RoleAssignmentSpec
from desired_state.specs.network import PrivateEndpointSpec
from desired_state.specs.storage import BlobContainerSpec, BlobServiceSpec, StorageAccountSpec
from desired_state.specs.web import AppServicePlanSpec, FunctionAppSpec

#: Identity-based `AzureWebJobsStorage` needs blob, queue (and table) data roles
#: (learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity);
#: Blob Data Owner also lets the app read its package.
HOST_STORAGE_ROLES: dict[str, str] = {"blob_owner": "Storage Blob Data Owner", "queue_contributor": "Storage Queue Data Contributor"}
#: The host's storage services reached over private endpoints: blob (leases, keys, the
#: package) and queue (the host's internal queues); table serves Durable Functions only.
HOST_STORAGE_ENDPOINTS: tuple[str, ...] = ("blob", "queue")
#: The container CI deploys the apps' packages to (`<app>.zip`).
PACKAGES_CONTAINER = "function-packages"


@dataclass
class FunctionsLayer(LayerSpecs):
    """The serverless workers."""

    apps: dict[str, FunctionAppSpec] = field(default_factory=dict)


def build(
    ctx: LayerContext,
    resource_group: ResourceGroupSpec,
    network: NetworkingLayer,
    security: SecurityLayer,
    observability: ObservabilityLayer,
    database: DatabaseLayer,
    messaging: MessagingLayer,
    etl: EtlLayer,
) -> FunctionsLayer:
    layer = FunctionsLayer("functions")
    identity, vault = security.identities.get("functions"), security.key_vault
    if not ctx.settings.features.enable_functions or identity is None or vault is None:
        return layer
    n, sku = ctx.namer, ctx.settings.tiers.functions_plan_sku
    # Elastic Premium has a VNet path and private endpoints; Consumption has neither.
    private = sku == "EP1" and ctx.private
    common: dict[str, Any] = {"resource_group": resource_group, "location": ctx.location, "tags": ctx.tags}
    storage = layer.add(
        StorageAccountSpec(
            address="functions.storage", name=n.compact("st", "func"), public_network_access=not private,
            shared_key_access=False, **common,
        )
    )
    blobs = layer.add(BlobServiceSpec(address="functions.storage.blob_service", parent=storage))
    packages = layer.add(BlobContainerSpec(address="functions.container.packages", name=PACKAGES_CONTAINER, parent=storage))
    storage_diagnostics(layer, "functions", storage, blobs, observability)
    endpoints: list[ResourceSpec] = []
    if private:
        for group_id in HOST_STORAGE_ENDPOINTS:
            endpoints.append(network.add_private_endpoint(
                layer,
                PrivateEndpointSpec(
                    address=f"functions.private_endpoint.storage_{group_id}", name=n.standard("pe", f"st-func-{group_id}"),
                    subnet=network.subnets["data"], target=storage, group_id=group_id, **common,
                ),
            ))
    grants: list[ResourceSpec] = []
    for slug, role in HOST_STORAGE_ROLES.items():
        grants.append(
            layer.add(
                RoleAssignmentSpec.grant(
                    f"functions.role.{slug}", scope=storage, identity=identity, role=role, subscription_id=ctx.subscription_id
                )
            )
        )
    plan = layer.add(AppServicePlanSpec(address="functions.plan", name=n.standard("asp", "func"), sku=sku, **common))
    queues = {key: q.name for key, q in messaging.queues.items()}
    topics = {key: t.name for key, t in messaging.topics.items()}
    workers: dict[str, dict[str, str]] = {
        "queue_worker": {"ORDERS_QUEUE": queues.get("orders", "")},
        "topic_worker": {
            "EVENTS_TOPIC": topics.get("events", ""),
            "NOTIFICATIONS_TOPIC": topics.get("notifications", ""),
            "SUBSCRIPTION_NAME": "topic-worker",
        },
        "etl_processor": {
            "ETL_QUEUE": queues.get("etl", ""),
            "ETL_STORAGE_ACCOUNT": etl.staging.name if etl.staging is not None else "",
            "ETL_SCHEDULE": "0 0 2 * * *",
        },
        "thirdparty_sync": {"THIRDPARTY_QUEUE": queues.get("thirdparty", "")},
    }
    secrets = {"thirdparty_sync": {"THIRDPARTY_API_KEY": THIRDPARTY_API_KEY_SECRET}}
    for key, settings in workers.items():
        slug = key.replace("_", "-")
        app = layer.apps[key] = layer.add(
            FunctionAppSpec(
                address=f"functions.app.{key}",
                name=n.unique("func", slug, max_length=60),
                plan=plan,
                identity=identity,
                storage=storage,
                packages=packages,
                app_insights=observability.app_insights,
                service_bus=messaging.namespace,
                sql_database=database.sql_database,
                key_vault=vault,
                subnet=network.subnets["functions"] if private else None,
                public_network_access=not private,
                settings=settings,
                key_vault_secrets=secrets.get(key, {}),
                # The host needs its storage roles (and, where private, its endpoints) before it starts.
                after=(*grants, *endpoints, *security.secrets.values()),
                min_tls_version=ctx.settings.security.min_tls_version,
                **common,
            )
        )
        for config in app.config_specs():
            layer.add(config)
        if private:
            network.add_private_endpoint(
                layer,
                PrivateEndpointSpec(
                    address=f"functions.private_endpoint.{key}", name=n.standard("pe", f"func-{slug}"),
                    subnet=network.subnets["integration"], target=app, group_id="sites", **common,
                ),
            )
    return layer
