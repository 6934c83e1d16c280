"""How far a device's clock may stray from the back office's, and how a clerk or an approver
reads the size of the error: both ends use the same thresholds and the same words."""

from __future__ import annotations

import datetime as dt

# Beyond CLOCK_WARN the window's status bar says so and the case's details show both clocks;
# beyond CLOCK_FAR_OFF deadlines and case numbers the window prints are wrong by a working day
# or more, so it asks for a fix before each intake.
CLOCK_WARN = dt.timedelta(minutes=5)
CLOCK_FAR_OFF = dt.timedelta(hours=1)


def describe_offset(offset: dt.timedelta) -> str:
    """'快1天3小时' / '慢7分钟': the size of a clock error in words a clerk reads at a glance."""
    seconds = round(abs(offset.total_seconds()) / 60) * 60  # to the minute: a round trip is noise
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days}天" if days else "", f"{hours}小时" if hours else ""]
    size = "".join(parts) if days or hours else f"{minutes}分钟"
    return ("快" if offset > dt.timedelta(0) else "慢") + size
