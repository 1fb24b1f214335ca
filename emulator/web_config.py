"""App Service sites and their configuration resources, as real ARM serves them.

A site GET does not show the site's configuration: `properties.siteConfig`
comes back with every field null (a few with fixed values) and without
`appSettings` (recorded: web/test_cli_mgmt_web_app.test_web_app_slot.yaml of
azure-mgmt-web's own tests against live Azure, api-version 2020-09-01). The
configuration lives in `sites/config` resources: `appsettings` and
`connectionstrings` (written with PUT, read only with the `POST .../list`
action, since they hold secrets) and `web` (siteConfig, GET and PUT). A site
PUT that carries `siteConfig` writes those resources; null fields in it
change nothing.
"""

from __future__ import annotations

import copy
from typing import Any

SITES = "microsoft.web/sites"
CONFIG = "microsoft.web/sites/config"
#: Config resources read through `POST {id}/list`, not GET.
LISTED = frozenset({"appsettings", "connectionstrings"})

#: siteConfig fields a site GET returns as null (the recording's keys, in its order).
_NULL_FIELDS = (
    'numberOfWorkers', 'defaultDocuments', 'netFrameworkVersion', 'phpVersion', 'pythonVersion',
    'nodeVersion', 'powerShellVersion', 'linuxFxVersion', 'windowsFxVersion',
    'requestTracingEnabled', 'remoteDebuggingEnabled', 'remoteDebuggingVersion',
    'httpLoggingEnabled', 'azureMonitorLogCategories', 'acrUserManagedIdentityID',
    'logsDirectorySizeLimit', 'detailedErrorLoggingEnabled', 'publishingUsername',
    'publishingPassword', 'appSettings', 'azureStorageAccounts', 'metadata', 'connectionStrings',
    'machineKey', 'handlerMappings', 'documentRoot', 'scmType', 'use32BitWorkerProcess',
    'webSocketsEnabled', 'alwaysOn', 'javaVersion', 'javaContainer', 'javaContainerVersion',
    'appCommandLine', 'managedPipelineMode', 'virtualApplications', 'winAuthAdminState',
    'winAuthTenantState', 'customAppPoolIdentityAdminState', 'customAppPoolIdentityTenantState',
    'runtimeADUser', 'runtimeADUserPassword', 'loadBalancing', 'routingRules', 'experiments',
    'limits', 'autoHealEnabled', 'autoHealRules', 'tracingOptions', 'vnetName',
    'vnetRouteAllEnabled', 'vnetPrivatePortsCount', 'cors', 'push', 'apiDefinition',
    'apiManagementConfig', 'autoSwapSlotName', 'localMySqlEnabled', 'managedServiceIdentityId',
    'xManagedServiceIdentityId', 'scmIpSecurityRestrictionsUseMain', 'http20Enabled',
    'minTlsVersion', 'scmMinTlsVersion', 'ftpsState', 'preWarmedInstanceCount',
    'functionAppScaleLimit', 'healthCheckPath', 'fileChangeAuditEnabled',
    'functionsRuntimeScaleMonitoringEnabled', 'websiteTimeZone'
)
#: siteConfig fields the recording shows with a value on a site GET.
_FIXED: dict[str, Any] = {'acrUseManagedIdentityCreds': False, 'ipSecurityRestrictions': [{'ipAddress': 'Any', 'action': 'Allow', 'priority': 1, 'name': 'Allow all', 'description': 'Allow all access'}], 'scmIpSecurityRestrictions': [{'ipAddress': 'Any', 'action': 'Allow', 'priority': 1, 'name': 'Allow all', 'description': 'Allow all access'}], 'minimumElasticInstanceCount': 0}


def site_config_as_read() -> dict[str, Any]:
    """The `siteConfig` of a site GET."""
    shown: dict[str, Any] = dict.fromkeys(_NULL_FIELDS)
    shown.update(copy.deepcopy(_FIXED))
    return shown


def split_site(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Take the configuration out of a site PUT body: {config name: properties}
    for the config resources it writes; the site's GET shows its own siteConfig (emulator.computed)."""
    props = payload.get("properties")
    if not isinstance(props, dict):
        return {}
    sent = props.pop("siteConfig", None)
    if not isinstance(sent, dict):
        return {}
    configs: dict[str, dict[str, Any]] = {}
    settings = sent.pop("appSettings", None)
    if isinstance(settings, list):
        configs["appsettings"] = {
            str(s["name"]): s.get("value") for s in settings if isinstance(s, dict) and isinstance(s.get("name"), str)
        }
    strings = sent.pop("connectionStrings", None)
    if isinstance(strings, list):
        configs["connectionstrings"] = {
            str(s["name"]): {"value": s.get("connectionString"), "type": s.get("type", "Custom")}
            for s in strings
            if isinstance(s, dict) and isinstance(s.get("name"), str)
        }
    # Fields left as a GET shows them (null, or the fixed values) change nothing.
    web = {k: v for k, v in sent.items() if v is not None and _FIXED.get(k) != v}
    if web:
        configs["web"] = web
    return configs
