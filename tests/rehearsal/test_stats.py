"""The rehearsal's figures: percentiles, the steady-state window, and the machine's CPU shares
(busy, and stolen by the hypervisor on a shared virtual machine)."""

from __future__ import annotations

from cact.rehearsal.stats import Stats, busy_and_stolen, percentile


def test_cpu_shares_split_busy_idle_and_stolen_time() -> None:
    #         user nice system idle iowait irq softirq steal
    before = [100, 0, 50, 800, 50, 0, 0, 0]
    after = [400, 0, 150, 1000, 100, 0, 0, 250]  # busy 400, idle 250, steal 250 of 900
    assert busy_and_stolen(before, after) == (44.4, 27.8)
    assert busy_and_stolen(None, after) == (0.0, 0.0)


def test_steady_state_counts_only_answers_sent_after_the_settling_time() -> None:
    stats = Stats()
    stats.record("answer", 2.0, sent_at=5.0)  # during the start herd
    stats.record("answer", 0.004, sent_at=20.0)
    stats.record("answer", 0.006, sent_at=21.0)
    stats.record("login", 3.0, sent_at=20.0)  # not an answer
    steady = stats.steady_answers(after=15.0)
    assert steady == [4.0, 6.0]
    assert percentile(steady, 0.99) == 6.0 and percentile([], 0.5) == 0.0
    assert len(stats.latencies["answer"]) == 3  # the table still shows every save
