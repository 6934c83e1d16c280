"""Start the kiosk on an enrolled machine: the runtime's devices and back office, the touch window."""

from __future__ import annotations

import signal

from client.app import NO_DISPLAY, ClientConfig, Runtime, display_available
from client.ui.base import required

from .service import KioskService


def kiosk_service(runtime: Runtime, config: ClientConfig, public_base: str = "") -> KioskService:
    """The same devices and queue client the clerk's window uses (short timeouts: the queue
    answers at once or the kiosk sends the citizen to the 咨询台)."""
    services = runtime.services
    queue = required(services.queue, "queue")
    return KioskService(queue.api, services.hardware, services.office_name, config.printer_width, public_base)


def run_kiosk(runtime: Runtime, config: ClientConfig, *, public_base: str = "", fullscreen: bool = True) -> int:
    if not display_available():
        print(NO_DISPLAY)
        return 1
    from .window import KioskWindow

    window = KioskWindow(
        kiosk_service(runtime, config, public_base), fullscreen=fullscreen, demo_cards=runtime.services.demo_cards
    )
    # systemd's stop (or Ctrl+C on a terminal) closes the window cleanly, from the Tk thread.
    signal.signal(signal.SIGTERM, lambda _s, _f: window.root.after(0, window.close))
    signal.signal(signal.SIGINT, lambda _s, _f: window.root.after(0, window.close))
    window.run()
    return 0
