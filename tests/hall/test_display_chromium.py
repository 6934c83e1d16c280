"""The display page in headless Chromium at 1920×1080: a call made at a window shows and is
spoken ("请A017号到3号窗口办理"-style, zh-CN); after the back office is killed and started again
on the same port, the page reconnects by itself and shows (and speaks) the next call. On a PC
without a Chinese voice, the hall's recorded clips are played instead."""

from __future__ import annotations

import json
import socket
import time
import wave
from pathlib import Path

import httpx

from sync.server.demo import ensure_demo
from sync.server.hall.pages import VOICE_ENV
from tests.hall.conftest import display_key
from tests.hall.site import SCREENSHOTS, HallOffice, ServerProcess, enrol

# The page's speech synthesis, recorded: what it was asked to say and in which language.
RECORD_SPEECH = """
window.__spoken = [];
if (!('speechSynthesis' in window)) {
  window.speechSynthesis = { getVoices: () => [], speak: () => {} };
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
}
window.speechSynthesis.speak = function (u) {
  window.__spoken.push({ text: u.text, lang: u.lang });
  setTimeout(() => { if (u.onend) u.onend(); }, 10);
};
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spoken(screen) -> list[dict]:
    return json.loads(screen.evaluate("() => JSON.stringify(window.__spoken)"))


def wait_for_text(screen, element_id: str, text: str) -> None:
    screen.wait_for_function(
        f"() => document.getElementById({json.dumps(element_id)}).textContent === {json.dumps(text)}", timeout=10_000
    )


def test_a_call_shows_and_is_spoken_and_the_page_survives_a_restart(screen, tmp_path: Path):
    db_url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    demo = ensure_demo(db_url)
    key = display_key(db_url, demo.org_code)
    server = ServerProcess(db_url, tmp_path / "blobs", free_port())
    server.start()
    try:
        office = HallOffice(server.url, db_url, demo.org_code, key, enrol(server.url, demo.enrol_code))
        screen.add_init_script(RECORD_SPEECH)
        screen.goto(f"{office.display_url}?key={key}")
        assert screen.url == office.display_url  # the key went into a cookie, out of the address
        screen.wait_for_selector("footer.live")

        # Seven windows at work, a queue behind them: what a hall's screen shows mid-morning.
        for category in "AAAABBBCC" + "AAAABBC":
            office.take(category)
        for window in ("1", "2", "5", "8", "9", "10", "11"):
            office.call(window)  # A001-A004, B001-B003 in the order taken
        wait_for_text(screen, "now-window", "11")
        started = time.monotonic()
        office.call("3")
        wait_for_text(screen, "now-ticket", "C001")
        shown_after = time.monotonic() - started
        wait_for_text(screen, "now-window", "3")
        screen.wait_for_function("() => window.__spoken.length === 8", timeout=60_000)
        assert spoken(screen)[-1] == {"text": "请C001号到3号窗口办理", "lang": "zh-CN"}
        assert [s["text"] for s in spoken(screen)[:3]] == [
            "请A001号到1号窗口办理",
            "请A002号到2号窗口办理",
            "请A003号到5号窗口办理",
        ]
        windows = screen.inner_text("#window-list")
        assert "3号窗口" in windows and "C001" in windows
        assert "企业服务" in screen.inner_text("#waiting-list")
        screen.wait_for_timeout(3500)  # the flash has faded: the screen as it looks between calls
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        screen.screenshot(path=str(SCREENSHOTS / "hall-display-1080p.png"))
        print(f"call shown on the page {shown_after:.2f} s after the window's call returned")

        server.kill()
        screen.wait_for_selector("footer.connecting")
        assert "正在重新连接" in screen.inner_text("#status")
        server.start()  # the same port, a new process
        screen.wait_for_selector("footer.live", timeout=30_000)
        office.call("6")
        wait_for_text(screen, "now-ticket", "C002")
        wait_for_text(screen, "now-window", "6")
        screen.wait_for_function("() => window.__spoken.length === 9", timeout=30_000)
        assert spoken(screen)[-1] == {"text": "请C002号到6号窗口办理", "lang": "zh-CN"}
    finally:
        server.kill()


# No Chinese voice on this PC: the page must play the hall's recorded clips instead.
NO_CHINESE_VOICE = (
    RECORD_SPEECH
    + """
window.speechSynthesis.getVoices = () => [];
window.__played = [];
const RealAudio = window.Audio;
window.Audio = function (url) { window.__played.push(new URL(url, location.href).pathname); return new RealAudio(url); };
"""
)


def record_clips(folder: Path) -> list[str]:
    """Short silent WAV files under the names the page asks for (a hall records real ones)."""
    names = ["qing", "hao-dao", "hao-chuangkou-banli", *"0123456789", *"ABCP"]
    folder.mkdir()
    for name in names:
        with wave.open(str(folder / f"{name}.wav"), "wb") as clip:
            clip.setnchannels(1)
            clip.setsampwidth(2)
            clip.setframerate(8000)
            clip.writeframes(b"\0\0" * 400)
    return names


def test_without_a_chinese_voice_the_halls_recorded_clips_are_played(screen, tmp_path: Path):
    db_url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    demo = ensure_demo(db_url)
    key = display_key(db_url, demo.org_code)
    record_clips(tmp_path / "voice")
    server = ServerProcess(db_url, tmp_path / "blobs", free_port(), {VOICE_ENV: str(tmp_path / "voice")})
    server.start()
    try:
        office = HallOffice(server.url, db_url, demo.org_code, key, enrol(server.url, demo.enrol_code))
        assert httpx.get(f"{server.url}/hall/voice/qing.wav").headers["content-type"] == "audio/wav"
        assert httpx.get(f"{server.url}/hall/voice/..%2Fserver.sqlite.wav").status_code == 404
        screen.add_init_script(NO_CHINESE_VOICE)
        screen.goto(f"{office.display_url}?key={key}")
        screen.wait_for_selector("footer.live")
        office.take("A")
        office.call("3")
        wait_for_text(screen, "now-ticket", "A001")
        clips = ["qing", "A", "0", "0", "1", "hao-dao", "3", "hao-chuangkou-banli"]
        expected = ["/hall/chime.wav", *(f"/hall/voice/{c}.wav" for c in clips)]
        screen.wait_for_function(f"() => window.__played.length >= {len(expected)}", timeout=60_000)
        assert json.loads(screen.evaluate("() => JSON.stringify(window.__played)")) == expected
        assert spoken(screen) == []  # the clips instead of a voice that cannot speak Chinese
    finally:
        server.kill()
