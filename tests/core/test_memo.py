"""core.memo.ProcessMemo: the per-process copy of rarely changing rows (routing rules, webhooks)."""

from core.memo import ProcessMemo


def test_loads_once_within_the_ttl_and_again_after_forget(monkeypatch):
    loads = []
    memo = ProcessMemo(lambda: loads.append(1) or len(loads), ttl_seconds=30)
    assert memo.get() == 1
    assert memo.get() == 1
    memo.forget(sender=object, instance=None)  # as a post_save receiver
    assert memo.get() == 2


def test_loads_again_when_the_ttl_has_passed(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("core.memo.time.monotonic", lambda: clock[0])
    loads = []
    memo = ProcessMemo(lambda: loads.append(1) or len(loads), ttl_seconds=30)
    assert memo.get() == 1
    clock[0] += 29
    assert memo.get() == 1
    clock[0] += 2
    assert memo.get() == 2
