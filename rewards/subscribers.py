"""What rewards does when something happens elsewhere (core/events.py), subscribed in
RewardsConfig.ready()."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.queue import enqueue_on_commit
from governance.events import ReportValidated
from riders.models import Rider
from volunteering.events import VolunteerMilestoneReached

from .models import Honour
from .tasks import award_report


def award_validated_report(event: ReportValidated) -> None:
    """Pay the rider after the commit; the award is idempotent and the sweep
    (sweep_unawarded_reports) re-queues it if this message is lost."""
    enqueue_on_commit(award_report, event.report_id)


def propose_volunteer_honour(event: VolunteerMilestoneReached) -> None:
    """A volunteer milestone proposes an honour-roll entry (in both languages), once: the same
    milestone published again finds the entry it made."""
    rider = Rider.objects.get(pk=event.rider_id)
    title = {}
    for language, suffix in (("zh-hans", ""), ("en", "_en")):
        with override(language):
            title[f"title{suffix}"] = _("%(hours)d volunteer hours") % {"hours": event.hours}
            title[f"story{suffix}"] = _(
                "%(name)s has given %(hours)d verified hours as a volunteer."
            ) % {"name": rider.name, "hours": event.hours}
    Honour.objects.get_or_create(
        rider=rider,
        kind=Honour.Kind.VOLUNTEER_MILESTONE,
        title=title["title"],
        defaults={**title, "honoured_on": timezone.localdate()},
    )
