"""How the reconciler talks to Azure: azure-mgmt SDK clients behind one
generic adapter, driven by per-type data.

- `base`: the contract (`Adapter`: read / write / delete; `LroTokenStore`).
- `registry`: `AdapterRegistry(clients).for_type(arm_type)`, `rules_for(arm_type)`
  (no clients needed), `UnknownResourceType`.
- `services/<service>.py`: one module per SDK; each declares `TYPES`, a tuple of
  `arm_type.ArmType` entries (operation group, method names, id-to-argument
  mapping, body model, `CompareRules`). Adding an ARM type = one entry.
- `generic`: `GenericAdapter` interprets an entry: raw-JSON reads, read-merge-write
  with If-Match, LROs with timeout and continuation tokens, 412 ->
  `ConcurrentModification`, 404-tolerant deletes.
- `compare`: pure desired-vs-live comparison with ARM-aware rules, and secret
  fingerprints; `merge`: the read-merge-write overlay; `bodies`: wire JSON <->
  SDK model for TypeSpec and msrest SDKs.
- `clients`: `ClientFactory` (Azure, in-process transport, HTTP endpoint), one
  client per service; `retry` (the product's only retry layer) and `ratelimit`
  (ARM token buckets, request counts) are pipeline policies in every client.
- the `reconcile compare` command lives in `reconciler/cli/compare_command.py` (it uses `compare` and `registry`).
"""
