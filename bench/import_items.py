"""Time parsing + validation of a large XLSX item file: `python bench/import_items.py [N]`.

Generates N (default 5,000) items — weighted and keyed, five options, HTML stems — writes them
with the XLSX writer, then loads the bytes as an upload would be. Prints seconds, the peak of
Python allocations during the load (tracemalloc) and the process's peak RSS.
"""

import resource
import sys
import time
import tracemalloc

from item_bank import ItemSet, load_item_bytes, write_item_set

KNOWN = frozenset({f"M.0{n}" for n in range(1, 9)} | {"SK.01"})


def generated_set(count: int) -> ItemSet:
    codes = sorted(KNOWN)
    items = []
    for n in range(count):
        keyed = n % 3 == 0
        options: list[dict[str, object]] = [
            {"text": f"Pilihan {label} untuk soal {n}: tindakan yang <em>mungkin</em> diambil"}
            for label in "ABCDE"
        ]
        for i, option in enumerate(options):
            if keyed:
                option["correct"] = i == n % 5
            else:
                option["weight"] = (i + n) % 5
        items.append(
            {
                "id": f"Q{n:05d}",
                "competency": codes[n % len(codes)],
                "kind": "keyed" if keyed else "weighted",
                "level": n % 5 + 1,
                "stem": f"<p>Situasi kerja nomor {n}: rekan Anda meminta bantuan.</p>\n"
                "<p>Apa yang <strong>paling tepat</strong> Anda lakukan?</p>",
                "points": 1 if keyed else None,
                "options": options,
            }
        )
    return ItemSet.model_validate({"title": "Benchmark", "language": "id", "items": items})


def main(count: int) -> None:
    data = write_item_set(generated_set(count), "xlsx")
    started = time.perf_counter()
    result = load_item_bytes("bench.xlsx", data, known_competencies=KNOWN)
    seconds = time.perf_counter() - started
    assert result.ok, result.problems[:5]
    # A second, traced run: tracemalloc slows Python down, so it is kept out of the timing.
    tracemalloc.start()
    load_item_bytes("bench.xlsx", data, known_competencies=KNOWN)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"items: {len(result.item_sets[0].items)}  file: {len(data) / 1_048_576:.1f} MiB")
    print(f"parse + validate: {seconds:.2f} s")
    print(f"peak traced allocations during load: {peak / 1_048_576:.1f} MiB")
    print(f"peak RSS of the process: {rss_mib:.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5_000)
