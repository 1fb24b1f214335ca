"""One lock for the SDKs' lazy imports.

The azure-mgmt SDKs import on first use: a client module when it is built, a
multi-API client's operations module on first attribute access
(`AuthorizationManagementClient.role_assignments` imports
`v2022_04_01.operations`), model modules when a body is converted. Since reads
stopped importing SDKs (adapters/direct_reads.py), those first uses happen in
the apply's worker threads, several at once; two threads importing the same
package can each hold a module the other needs, and CPython breaks that
deadlock by handing one of them a partially initialised module
("cannot import name ... from partially initialized module"). Every lazy SDK
import goes through this lock, so they happen one at a time.
"""

from __future__ import annotations

import threading

#: Held around every first-use SDK import; re-entrant (an import may trigger another).
SDK_IMPORTS = threading.RLock()
