"""What the daily retention task removed, run by run."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

__all__ = ["RetentionRun"]


class RetentionRun(models.Model):
    """One application of the retention table (privacy/retention.py): when it ran and, for
    each rule, how many rows it removed or cleared, or why it did not.

    `results` is one entry per rule, in the table's order:
    `{"rule": name, "rows": int, "status": "ok" | "failed" | "skipped" | "elsewhere",
    "note": str}` — the note is the error of a failed rule, or why one was skipped (a model or
    a sweep that does not exist yet). A run that never finished (the worker died) keeps
    `finished_at` empty; the next night's run applies everything again.
    """

    started_at = models.DateTimeField(_("started at"), db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Who pressed "run now" in the admin; empty for the nightly run.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    rows = models.PositiveIntegerField(_("rows removed or cleared"), default=0)
    failures = models.PositiveSmallIntegerField(_("rules failed"), default=0)
    results = models.JSONField(_("results"), default=list, blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]
        permissions = [("run_retention", _("Can run the retention table now"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(finished_at__gte=F("started_at")),
                name="retention_run_finishes_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"
