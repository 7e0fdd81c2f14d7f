from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from core.events import subscribe
        from governance.events import (
            ReportAssistAdded,
            ReportsEscalated,
            ReportsOverdue,
            ReportStatusChanged,
            ReportUrgent,
        )

        from . import subscribers
        from .models import Webhook
        from .services import webhooks_forget

        post_save.connect(webhooks_forget, sender=Webhook, dispatch_uid="webhooks-save")
        post_delete.connect(webhooks_forget, sender=Webhook, dispatch_uid="webhooks-delete")
        # Report events become webhook deliveries, in the transaction of the change.
        subscribe(ReportStatusChanged, subscribers.emit_status_changed)
        subscribe(ReportsOverdue, subscribers.emit_overdue)
        subscribe(ReportsEscalated, subscribers.emit_escalated)
        subscribe(ReportUrgent, subscribers.emit_urgent)

        subscribe(ReportAssistAdded, subscribers.emit_assisting)
