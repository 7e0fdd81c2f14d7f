"""The data migrations that turn stored text into kinds and params (core 0004, governance 0012):
old rows in English or Chinese are recognised, anything else stays as stored."""

import importlib

import pytest
from django.apps import apps
from django.utils import translation

from core.models import Notification
from governance import workflow
from governance.models import ReportEvent
from tests.factories import DepartmentFactory, ReportFactory, RiderFactory

pytestmark = pytest.mark.django_db

core_0004 = importlib.import_module("core.migrations.0004_notification_kind_params")
governance_0012 = importlib.import_module(
    "governance.migrations.0012_timeline_note_kinds_remove_alert"
)


def migrate() -> None:
    # The current models have the fields these migrations read and write.
    core_0004.forwards(apps, None)
    governance_0012.forwards(apps, None)


def old_notification(user, title: str, body: str = "") -> Notification:
    return Notification.objects.create(recipient=user, title=title, body=body)


def test_old_chinese_and_english_notifications_become_kinds_with_params():
    DepartmentFactory(name="李沧区供水公司", name_en="Licang Water")
    user = RiderFactory().user
    routed = old_notification(user, "您的上报 R23456789A 已分派至李沧区供水公司。")
    awarded = old_notification(
        user, "Report R23456789A was validated: you earned ¥5.00 and 10 points. Thank you!"
    )
    comment = old_notification(user, "您的上报 R23456789A 有新留言", "明天上午处理")
    budget = old_notification(
        user,
        "登录短信额度已用完",
        "本门户本小时已发送 50 条登录短信，达到 SMS_BUDGET_PER_HOUR 的上限。14:00 前骑手获取"
        "验证码将被拒绝，之前登录过的浏览器除外。可在“登录验证码”列表中查看哪些号码请求了验证码。",
    )
    free = old_notification(user, "欢迎来到骑手之家", "随便写的")
    migrate()
    for note in (routed, awarded, comment, budget, free):
        note.refresh_from_db()
    assert routed.kind == "governance.report_routed" and routed.title == ""
    assert routed.params == {
        "id": "R23456789A",
        "department": {"zh-hans": "李沧区供水公司", "en": "Licang Water"},
    }
    assert awarded.params == {"id": "R23456789A", "cash": "5.00", "points": 10}
    assert (comment.kind, comment.body) == ("governance.report_comment", "明天上午处理")
    assert budget.kind == "riders.sms_budget_spent" and budget.params == {
        "budget": 50,
        "until": "14:00",
    }
    assert (free.kind, free.title, free.body) == ("", "欢迎来到骑手之家", "随便写的")
    with translation.override("en"):
        assert routed.heading == "Your report R23456789A was sent to Licang Water."
        assert "50 sign-in SMS" in budget.text and "14:00" in budget.text
        assert free.heading == "欢迎来到骑手之家"  # unrecognised: shown as stored
    with translation.override("zh-hans"):
        assert awarded.heading == "随手拍 R23456789A 已核实：您获得了¥5.00和10 积分。谢谢！"


def test_old_system_notes_become_kinds_and_typed_words_stay():
    report = workflow.route(ReportFactory(), department=DepartmentFactory())
    original = ReportFactory()

    def old_event(kind: str, note: str) -> ReportEvent:
        return ReportEvent.objects.create(report=report, kind=kind, note=note)

    no_rule = old_event("to_dispatcher", "没有匹配的分派规则。")
    overdue = old_event("escalated", "The deadline has passed.")
    rejected = old_event("rejected", "不属于本部门: 归供水公司")
    duplicate = old_event("duplicate", original.public_id)
    typed = old_event("comment", "The deadline has passed.")  # a person's words: kept
    migrate()
    for event in (no_rule, overdue, rejected, duplicate, typed):
        event.refresh_from_db()
    assert (no_rule.note_kind, no_rule.note) == ("governance.no_routing_rule", "")
    assert overdue.note_kind == "governance.deadline_passed"
    assert (rejected.note_kind, rejected.note) == ("governance.rejected_not_ours", "归供水公司")
    assert duplicate.params == {"original": original.public_id}
    assert (typed.note_kind, typed.note) == ("", "The deadline has passed.")
    with translation.override("en"):
        assert no_rule.text == "No routing rule matched."
        assert rejected.text == "Not our department: 归供水公司"
        assert duplicate.text == original.public_id
    with translation.override("zh-hans"):
        assert overdue.text == "已超过办结期限。"


def test_going_back_writes_the_text_again_in_chinese():
    user = RiderFactory().user
    report = workflow.route(ReportFactory(), department=DepartmentFactory())
    note = old_notification(user, "Your report R23456789A is with the dispatcher.")
    event = ReportEvent.objects.create(report=report, kind="rejected", note="Not valid: 模糊")
    migrate()
    governance_0012.backwards(apps, None)
    core_0004.backwards(apps, None)
    note.refresh_from_db()
    event.refresh_from_db()
    assert note.title == "您的上报 R23456789A 正由调度人员处理。"
    assert event.note == "无效上报: 模糊"
