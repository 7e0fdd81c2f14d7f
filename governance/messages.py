"""The messages governance stores as kinds and params, rendered for the reader (core/messages.py).

Inbox messages to the riders, and the system notes on a report's timeline. The kinds are
stored in rows: rename one only with a data migration.
"""

from django.utils.translation import gettext_lazy as _

from core.messages import Message, Params

from .models import ReportStatus as S

# --- To the reporter and the riders who joined: params id, department (both names), original

STATUS_CHANGED = {
    S.ROUTED: Message(
        "governance.report_routed", _("Your report %(id)s was sent to %(department)s.")
    ),
    S.WITH_DISPATCHER: Message(
        "governance.report_with_dispatcher", _("Your report %(id)s is with the dispatcher.")
    ),
    S.ACKNOWLEDGED: Message(
        "governance.report_acknowledged", _("%(department)s is working on your report %(id)s.")
    ),
    S.RESOLVED: Message(
        "governance.report_resolved",
        _("Your report %(id)s was resolved by %(department)s. Is it fixed? Tell us."),
    ),
    S.REOPENED: Message(
        "governance.report_reopened",
        _("Your report %(id)s was reopened: %(department)s must fix it again."),
    ),
    S.SUPERVISION: Message(
        "governance.report_supervision",
        _("Your report %(id)s is under the service centre's supervision."),
    ),
    S.CONFIRMED: Message(
        "governance.report_confirmed", _("Your report %(id)s is closed as fixed. Thank you!")
    ),
    S.CLOSED: Message(
        "governance.report_closed", _("Your report %(id)s was closed by the service centre.")
    ),
    S.REJECTED: Message(
        "governance.report_rejected",
        _("Your report %(id)s went back to the dispatcher for a check."),
    ),
    S.INVALID: Message("governance.report_invalid", _("Your report %(id)s was closed as invalid.")),
    S.DUPLICATE: Message(
        "governance.report_duplicate",
        _("Your report %(id)s joined the earlier report %(original)s."),
    ),
}

# The department's words go in the notification's body, as typed.
COMMENTED = Message("governance.report_comment", _("New message about your report %(id)s"))

# --- System notes on the timeline (ReportEvent.note_kind); a person's words stay in `note`

NO_ROUTING_RULE = Message("governance.no_routing_rule", _("No routing rule matched."))
DEADLINE_NEAR = Message(
    "governance.deadline_near", _("Three quarters of the closure time are used.")
)
DEADLINE_PASSED = Message("governance.deadline_passed", _("The deadline has passed."))
DEADLINE_TWICE_PASSED = Message(
    "governance.deadline_twice_passed", _("Twice the closure time has passed.")
)
CHECK_NOT_ANSWERED = Message(
    "governance.check_not_answered",
    _("No answer within %(hours)d hours: accepted as fixed by default."),
)


# The rider's check in the reader's language (FixAnswer choices), then their words in `note`.
def _check_labels(params: Params) -> Params:
    from .models import FixAnswer

    outcome = FixAnswer.Outcome(params["outcome"]) if params.get("outcome") else None
    satisfaction = (
        FixAnswer.Satisfaction(params["satisfaction"]) if params.get("satisfaction") else None
    )
    return {
        **params,
        "outcome": outcome.label if outcome else "",
        "satisfaction": satisfaction.label if satisfaction else "",
    }


# params: outcome, satisfaction (FixAnswer codes), rendered as their labels for the reader.
CHECK_ANSWERED = Message(
    "governance.check_answered", _("%(outcome)s · %(satisfaction)s"), prepare=_check_labels
)
# The earlier report's number, the same in every language.
DUPLICATE_OF = Message("governance.duplicate_of", "%(original)s")

# Why a department sent a report back (the department API's `reason` codes).
REJECTED_BECAUSE = {
    "invalid": Message("governance.rejected_invalid", _("Not valid")),
    "not_our_department": Message("governance.rejected_not_ours", _("Not our department")),
}

# --- Questions to the rider (issue 14, "Ask the rider") ---------------------------------------

# To the reporter: params id, department (both names); the department's question, as typed, in
# the notification's body.
QUESTION_ASKED = Message(
    "governance.question_asked",
    _("%(department)s asks about your report %(id)s. Please answer on the report's page."),
)
# The timeline note when the rider did not answer in time; params: hours.
QUESTION_NOT_ANSWERED = Message(
    "governance.question_not_answered",
    _("No answer within %(hours)d hours: the department works on without it."),
)
# What the public (Open311) reads instead of the department's question and the rider's answer:
# either may say more about the reporter or the place than the public should read.
QUESTION_ASKED_PUBLIC = Message(
    "governance.question_asked_public", _("The department asked the reporter for more detail.")
)
QUESTION_ANSWERED_PUBLIC = Message(
    "governance.question_answered_public", _("The reporter answered the department's question.")
)


# --- Priority (issue 14): params from, to (Priority codes), rendered as labels for the reader


def _priority_labels(params: Params) -> Params:
    from .models import Priority

    def label(value: object) -> str:
        try:
            return str(Priority(int(str(value))).label)
        except ValueError:
            return ""

    return {**params, "from": label(params.get("from")), "to": label(params.get("to"))}


PRIORITY_CHANGED = Message(
    "governance.priority_changed", _("Priority: %(from)s → %(to)s"), prepare=_priority_labels
)

# --- Transfer (转办) and joint handling (联办), issue 14 ---------------------------------------

# The approved transfer's line on the timeline; params from, to (both names, core.messages.names).
TRANSFERRED = Message("governance.transferred", _("Transferred from %(from)s to %(to)s."))
# The request waiting for the dispatcher, and its refusal (not shown to the rider): params
# from, to.
TRANSFER_ASKED = Message(
    "governance.transfer_asked", _("%(from)s asks to hand the report to %(to)s.")
)
TRANSFER_REFUSED = Message(
    "governance.transfer_refused", _("The centre refused the transfer to %(to)s.")
)
ASSIST_ADDED = Message("governance.assist_added", _("%(department)s assists with this report."))
ASSIST_REMOVED = Message(
    "governance.assist_removed", _("%(department)s no longer assists with this report.")
)
# To the centre's dispatchers: a department asks to hand a report over; params id, from, to.
TRANSFER_TO_DECIDE = Message(
    "governance.transfer_to_decide",
    _("%(from)s asks to transfer report %(id)s to %(to)s: approve or refuse it."),
)

# --- Assignment to an officer in the workbench (issue 15) --------------------------------------

# Internal timeline lines (not shown to the rider); params assignee (the officer's display name).
ASSIGNED = Message("governance.assigned", _("Assigned to %(assignee)s."))
UNASSIGNED = Message("governance.unassigned", _("No longer assigned to an officer."))
