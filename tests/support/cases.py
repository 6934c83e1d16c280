"""Cases a test needs on record before it drives the window: taken in through the real intake
service, as the counter would, so the window shows them as it shows any other."""

from __future__ import annotations

from collections.abc import Sequence

from client.domain.identity import Applicant
from client.services.intake import AcceptResult, IntakeDraft, MaterialInput


def taken_in(services, clerk, matter_code: str, applicant: Applicant, received: Sequence[str] = ()) -> AcceptResult:
    """A case of `applicant` for the matter: every material received, or (naming `received`)
    only those, so the others are missing and the case is a one-time notice."""
    matter = services.intake.matter(matter_code)
    codes = received or [m.code for m in matter.materials]
    return services.intake.submit(
        IntakeDraft(applicant, matter.code, tuple(MaterialInput(code, True) for code in codes)), clerk
    )
