"""Everything the views may call, handed over by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from .auth import AuthService
from .booking_check_in import BookingCheckIn
from .bundle_intake import BundleIntakeService
from .cases import CaseQueries
from .delivery import DeliveryService
from .demo_cards import DemoCardService
from .diagnostics import DiagnosticsService
from .drafts import DraftService
from .hardware import HardwareService
from .intake import IntakeService
from .outreach import OutreachService
from .paperwork import Paperwork
from .preferences import PreferencesService
from .printable import PrintableNames
from .published import ReadinessService
from .queue import QueueService
from .ratings import RatingService
from .shift import ShiftService
from .supervision import SupervisionService
from .supplement import SupplementService
from .syncing import SyncService
from .transfer import TransferService


@dataclass(frozen=True)
class Services:
    auth: AuthService
    intake: IntakeService
    cases: CaseQueries
    delivery: DeliveryService
    paperwork: Paperwork
    sync: SyncService
    hardware: HardwareService
    office_name: str
    demo: bool
    plaintext_store: bool
    diagnostics: DiagnosticsService | None = None
    preferences: PreferencesService | None = None
    supplement: SupplementService | None = None
    ratings: RatingService | None = None
    supervision: SupervisionService | None = None
    queue: QueueService | None = None
    check_in: BookingCheckIn | None = None  # 云叫号 bookings checked in at this window
    shifts: ShiftService | None = None
    outreach: OutreachService | None = None
    transfer: TransferService | None = None  # 帮办代办: transfer slips and who holds the originals
    readiness: ReadinessService | None = None  # offline fitness: catalog/calendar age, login bound
    drafts: DraftService | None = None  # intakes in progress (未完成的受理), kept as the clerk goes
    demo_cards: DemoCardService | None = None  # 演示：放卡, only with a virtual card reader
    bundles: BundleIntakeService | None = None  # 一件事 taken in as one application
    printable: PrintableNames | None = None  # whether a name prints on this machine (rare characters)
