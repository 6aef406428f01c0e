"""The whole import of a large XLSX upload into the bank: `python bench/import_bank.py [N]`.

What an editor's upload costs end to end: parse + validate (item_bank) and store in one
transaction (cact.bank.service), on an embedded PostgreSQL in a temporary directory (or
CACT_DATABASE_URL). Prints both phases, the total and the peak RSS.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.import_items import KNOWN, generated_set
from cact.audit.service import Actor
from cact.bank import service as bank
from cact.competencies.service import load_standard_dictionary
from cact.kit import migrate
from cact.kit.cli_support import run_in_transaction
from cact.kit.embedded_pg import EmbeddedPostgres
from item_bank import load_item_bytes, write_item_set


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        embedded = None
        url = os.environ.get("CACT_DATABASE_URL")
        if not url:
            embedded = EmbeddedPostgres(Path(tmp) / "pgdata")
            url = embedded.start()
        migrate.upgrade(url)
        # Also the warm-up: modules imported and mappers configured, as in a running server.
        run_in_transaction(url, lambda db: load_standard_dictionary(db, Actor.system("bench")))
        data = write_item_set(generated_set(count), "xlsx")

        started = time.perf_counter()
        loaded = load_item_bytes("bench.xlsx", data, known_competencies=KNOWN)
        parsed = time.perf_counter()
        assert loaded.ok, loaded.problems[:3]
        outcome = run_in_transaction(
            url, lambda db: bank.import_item_sets(db, loaded.item_sets, {}, Actor.system("bench"))
        )
        stored = time.perf_counter()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"items: {len(outcome.created)} created")
        print(f"parse + validate: {parsed - started:.2f} s")
        print(f"store (one transaction): {stored - parsed:.2f} s")
        print(f"total: {stored - started:.2f} s  (target < 10 s)")
        print(f"peak RSS: {rss:.0f} MiB")
        if embedded:
            embedded.stop()


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5_000)
