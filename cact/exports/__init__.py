"""Raw-result exports of a sitting: responses, results, the score matrix and the audit log, as
CSV, XLSX or JSON Lines, streamed in constant memory (SPEC §5, docs/exports.md)."""
