"""A controller stand-in for the lease tests: contends for an environment's lease, then holds it.

Run as ``python -m tests.controller.lease_contender``. Prints one line per event with the wall
clock (``time.time()``) so the test can measure the takeover:
``CONTENDED <t>`` when it first finds the lease held, ``ACQUIRED <t>`` when it gets it.
The connection string comes from the environment (``LEASE_CONNECTION_STRING``), not argv.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time

from reconciler.controller.lease import BlobLease


class _ContentionReporter(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.reported = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.reported and "waiting" in record.getMessage():
            self.reported = True
            print(f"CONTENDED {time.time()}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--environment", required=True)
    parser.add_argument("--holder", required=True)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--retry-interval", type=float, default=0.5)
    args = parser.parse_args()

    lease_log = logging.getLogger("reconciler.controller.lease")
    lease_log.setLevel(logging.INFO)
    lease_log.addHandler(_ContentionReporter())
    lease = BlobLease.from_connection_string(
        os.environ["LEASE_CONNECTION_STRING"],
        args.environment,
        holder=args.holder,
        duration_s=args.duration,
        retry_interval_s=args.retry_interval,
    )
    if not lease.acquire(timeout=300):
        print("TIMEOUT", flush=True)
        return 1
    print(f"ACQUIRED {time.time()}", flush=True)
    threading.Event().wait()  # hold (renewing in the background) until killed
    return 0


if __name__ == "__main__":
    sys.exit(main())
