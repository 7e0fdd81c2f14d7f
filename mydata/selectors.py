"""Reads of a rider's export, corrections and closure (issue 20)."""

from riders.models import Rider
from riders.obligations import closure_obligations_of

from .models import CorrectionRequest, DataExport

RECENT_EXPORTS = 5
RECENT_CORRECTIONS = 20


def exports_for(*, rider: Rider) -> list[DataExport]:
    """The rider's latest exports, newest first (the page shows their status and links)."""
    return list(DataExport.objects.filter(rider=rider)[:RECENT_EXPORTS])


def export_of(*, rider: Rider, export_id: int) -> DataExport | None:
    """The rider's own export, or None (another rider's is nobody's business: a 404)."""
    return DataExport.objects.filter(rider=rider, pk=export_id).first()


def corrections_for(*, rider: Rider) -> list[CorrectionRequest]:
    return list(
        CorrectionRequest.objects.filter(rider=rider).order_by("-created_at", "-id")[
            :RECENT_CORRECTIONS
        ]
    )


def closure_blockers(*, rider: Rider) -> list[str]:
    """What must be settled before the rider can close their account, one sentence each."""
    return closure_obligations_of(rider)
