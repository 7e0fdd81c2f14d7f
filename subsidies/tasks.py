"""Telling riders their subsidy decisions, after the review's commit (subsidies/notices.py)."""

from celery import shared_task

from . import notices


@shared_task
def tell_decisions(claim_ids: list[int]) -> int:
    return notices.decisions_tell(claim_ids=claim_ids)


@shared_task
def sweep_untold_decisions() -> int:
    """Every 5 minutes: decisions a lost task left untold."""
    return notices.decisions_sweep()
