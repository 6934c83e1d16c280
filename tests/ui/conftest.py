"""GUI fixtures: a real Tk window on the virtual display (pytest-xvfb starts Xvfb)."""

from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ARTIFACTS = Path(os.environ.get("ONEWINDOW_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"  # the ones the docs show


class WindowDriver:
    """Pumps the Tk loop while waiting, the way a user's session would keep it running."""

    def __init__(self, window, hall=None):
        self.window = window
        self.hall = hall  # whose accounts login() uses by default

    def pump(self, until, timeout: float = 20.0, what: str = "condition"):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.window.root.update()
            value = until()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    def wait_closed(self, timeout: float = 20.0):
        """Pump until the window has closed itself (the close question answered), no longer."""
        end = time.monotonic() + timeout
        while not self.window.closed and time.monotonic() < end:
            self.window.root.update()
            time.sleep(0.02)
        assert self.window.closed, "the window did not close"

    def settle(self, seconds: float = 0.3):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.window.root.update()
            time.sleep(0.02)

    def key(self, keysym: str):
        """A key press where the focus is, as the keyboard would deliver it."""
        widget = self.window.root.focus_get() or self.window.root
        widget.event_generate(f"<KeyPress-{keysym}>")
        self.window.root.update()

    def press(self, widget, keysym: str):
        """Focus `widget` (a CTk widget focuses its inner Tk entry) and press a key there."""
        widget.focus_force()
        self.window.root.update()
        self.key(keysym)

    def type(self, widget, text: str):
        """Type into an entry and fire a key release, as live validation listens for it."""
        widget.insert("end", text)
        self.press(widget, "End")
        (self.window.root.focus_get() or widget).event_generate("<KeyRelease-End>")
        self.window.root.update()

    def login(self, username: str = "", password: str = "123456", window: str = "3"):
        """Type the credentials (the hall's clerk unless another account is named), press Enter, open the shift at `window` when the
        window asks (开班), and wait for the home screen."""
        from client.ui.home import HomeView
        from client.ui.shift import ShiftOpenView

        win = self.window
        self.type(win.view.username, username or self.hall.clerk)
        self.type(win.view.password, password)
        self.press(win.view.password, "Return")
        view = self.pump(
            lambda: win.view if isinstance(win.view, (HomeView, ShiftOpenView)) else None, what="shift or home view"
        )
        if isinstance(view, ShiftOpenView):
            self.open_shift(window)
        return self.pump(lambda: win.view if isinstance(win.view, HomeView) else None, what="home view")

    def open_shift(self, window: str):
        """On the 开班 screen: type the window number (unless it is remembered) and press Enter."""
        view = self.window.view
        self.pump(lambda: view.winfo_viewable(), what="shift view shown")
        if not view.window.get():
            self.type(view.window, window)
        self.press(view.window, "Return")

    def screenshot(self, name: str) -> Path:
        from PIL import ImageGrab

        self.settle(0.5)
        root = self.window.root
        box = (
            root.winfo_rootx(),
            root.winfo_rooty(),
            root.winfo_rootx() + root.winfo_width(),
            root.winfo_rooty() + root.winfo_height(),
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        ImageGrab.grab(bbox=box, xdisplay=os.environ["DISPLAY"]).save(path)
        return path

    def keep_screenshot(self, name: str) -> Path:
        """A screenshot the docs show: taken into artifacts/, then copied to docs/screenshots/."""
        path = self.screenshot(name)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / name)
        return path


@contextmanager
def window_driver(services, demo_hint: str, hall=None):
    """The clerk's window on `services`, failing the test on any Tk callback exception."""
    from client.ui.mainwindow import MainWindow

    window = MainWindow(services, demo_hint=demo_hint)
    driver = WindowDriver(window, hall)
    driver.settle(0.3)
    yield driver
    errors = list(window.callback_errors)
    window.close()
    assert errors == [], f"Tk callbacks raised: {errors!r}"


@pytest.fixture
def counter_window(enrolled_runtime, live_server):
    with window_driver(enrolled_runtime.services, "演示账号：clerk01，密码：123456", live_server.hall) as driver:
        yield driver
