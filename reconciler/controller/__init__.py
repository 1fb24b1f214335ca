"""Controller mode: cycles on a schedule, one active replica per environment (lease), health
endpoints, telemetry, drift history and the controller's state documents."""
