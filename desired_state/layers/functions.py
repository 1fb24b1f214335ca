"""Functions layer: the host storage account, the plan per the cost table
(Consumption Y1 where dependencies are public, Elastic Premium EP1 with VNet
integration wherever they are private: staging and prod) and the four
workers: queue worker, topic worker, ETL processor and third-party sync."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desired_state.layers.context import LayerContext, LayerSpecs
from desired_state.layers.etl import EtlLayer
from desired_state.layers.messaging import MessagingLayer
from desired_state.layers.networking import NetworkingLayer
from desired_state.layers.observability import ObservabilityLayer
from desired_state.layers.security import FUNCTIONS_CONTENT_SECRET, THIRDPARTY_API_KEY_SECRET, SecurityLayer
from desired_state.resource import ResourceGroupSpec, ResourceSpec
from desired_state.specs.authorization import RoleAssignmentSpec
from desired_state.specs.storage import FileShareSpec, StorageAccountSpec
from desired_state.specs.web import AppServicePlanSpec, FunctionAppSpec

#: Identity-based `AzureWebJobsStorage` needs blob, queue (and table) data roles
#: (learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity).
HOST_STORAGE_ROLES: dict[str, str] = {"blob_owner": "Storage Blob Data Owner", "queue_contributor": "Storage Queue Data Contributor"}


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
    messaging: MessagingLayer,
    etl: EtlLayer,
) -> FunctionsLayer:
    layer = FunctionsLayer("functions")
    identity, vault = security.identities.get("functions"), security.key_vault
    if not ctx.settings.features.enable_functions or identity is None or vault is None:
        return layer
    n, sku = ctx.namer, ctx.settings.tiers.functions_plan_sku
    common: dict[str, Any] = {"resource_group": resource_group, "location": ctx.location, "tags": ctx.tags}
    # Host storage stays reachable publicly: Consumption (Y1) apps have no VNet path to a private account.
    storage = layer.add(StorageAccountSpec(address="functions.storage", name=n.compact("st", "func"), **common))
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
        name = n.unique("func", slug, max_length=60)
        # Elastic Premium mounts each app's content from its own Azure Files share,
        # created here because the app skips the platform's share validation.
        share = layer.add(
            FileShareSpec(address=f"functions.content_share.{key}", name=name, parent=storage)
        ) if sku == "EP1" else None
        layer.apps[key] = layer.add(
            FunctionAppSpec(
                address=f"functions.app.{key}",
                name=name,
                content_share=share,
                content_connection_secret=FUNCTIONS_CONTENT_SECRET if share is not None else None,
                plan=plan,
                identity=identity,
                storage=storage,
                app_insights=observability.app_insights,
                service_bus=messaging.namespace,
                key_vault=vault,
                subnet=network.subnets["functions"] if sku == "EP1" else None,
                settings=settings,
                key_vault_secrets=secrets.get(key, {}),
                after=(*grants, *security.secrets.values()),
                min_tls_version=ctx.settings.security.min_tls_version,
                **common,
            )
        )
        for config in layer.apps[key].config_specs():
            layer.add(config)
    return layer
