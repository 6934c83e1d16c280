// The hall's calling display: the board from the back office's event stream, each call
// shown, chimed and spoken once (speechSynthesis in zh-CN, or the hall's recorded clips when
// the PC has no Chinese voice). EventSource reconnects by itself after a network cut or a
// back-office restart; calls made meanwhile that are still fresh are announced then.
"use strict";
(function () {
  const body = document.body;
  const SHOWN_RECENT = 7; // what fits the column; the stream sends a few more, to announce after a reconnect
  const seen = new Set();
  const pending = [];
  let primed = false;
  let speaking = false;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render(state) {
    document.getElementById("hall").textContent = state.hall ? state.hall + " · 叫号" : "叫号显示";
    const latest = state.recent[0];
    document.getElementById("now-ticket").textContent = latest ? latest.ticket_no : "—";
    document.getElementById("now-window").textContent = latest ? latest.window : "—";
    const windows = document.getElementById("window-list");
    windows.classList.toggle("many", state.windows.length > 9);
    windows.replaceChildren(...state.windows.map((w) => {
      const li = el("li");
      li.append(el("span", "name", w.window + "号窗口"));
      li.append(w.ticket_no ? el("span", "ticket", w.ticket_no) : el("span", "idle", "空闲"));
      return li;
    }));
    const recent = document.getElementById("recent-list");
    recent.replaceChildren(...state.recent.slice(0, SHOWN_RECENT).map((c) => {
      const li = el("li");
      li.append(el("span", "ticket", c.ticket_no));
      if (c.recalls > 0) li.append(el("span", "recall", "重呼"));
      li.append(el("span", "window", c.window + "号窗口"));
      return li;
    }));
    const waiting = document.getElementById("waiting-list");
    waiting.replaceChildren(...state.waiting.map((w) => {
      const li = el("li");
      li.append(el("span", "label", w.label));
      li.append(el("span", "count", String(w.count)));
      return li;
    }));
  }

  function chineseVoice() {
    if (!("speechSynthesis" in window)) return null;
    const voices = window.speechSynthesis.getVoices() || [];
    return voices.find((v) => (v.lang || "").replace("_", "-").toLowerCase().startsWith("zh")) || null;
  }

  function wait(ms) { return new Promise((done) => setTimeout(done, ms)); }

  function play(url, limitMs) {
    return new Promise((done) => {
      const audio = new Audio(url);
      const finish = () => done();
      audio.onended = finish;
      audio.onerror = finish;
      const started = audio.play();
      if (started && started.catch) started.catch(finish);
      setTimeout(finish, limitMs);
    });
  }

  function speak(call) {
    return new Promise((done) => {
      const voice = chineseVoice();
      if (!voice && body.dataset.clips === "1") {
        const chain = call.clips.reduce((p, name) => p.then(() => play(body.dataset.voice + name + ".wav", 3000)),
          Promise.resolve());
        chain.then(done);
        return;
      }
      if (!("speechSynthesis" in window)) { done(); return; }
      const utterance = new SpeechSynthesisUtterance(call.text);
      utterance.lang = "zh-CN";
      utterance.rate = 0.85;
      if (voice) utterance.voice = voice;
      utterance.onend = () => done();
      utterance.onerror = () => done();
      window.speechSynthesis.speak(utterance);
      setTimeout(done, 10000);
    });
  }

  function flash() {
    const now = document.getElementById("now");
    now.classList.remove("flash");
    void now.offsetWidth; // restart the animation
    now.classList.add("flash");
  }

  async function drain() {
    if (speaking) return;
    speaking = true;
    while (pending.length) {
      const call = pending.shift();
      await play(body.dataset.chime, 2500);
      await speak(call);
      await wait(500);
    }
    speaking = false;
  }

  function announce(call) {
    if (seen.has(call.key)) return;
    seen.add(call.key);
    flash();
    pending.push(call);
    drain();
  }

  function status(live) {
    const footer = document.getElementById("status");
    footer.className = live ? "live" : "connecting";
    footer.textContent = live ? "实时叫号 · 请留意语音呼叫" : "连接中断，正在重新连接…（叫号以窗口呼叫为准）";
  }

  // The hall's time is China Standard Time, whatever zone the screen's PC was set to.
  const clock = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });

  function tick() {
    document.getElementById("clock").textContent = clock.format(new Date());
  }

  const source = new EventSource(body.dataset.stream);
  source.onopen = () => status(true);
  source.onerror = () => status(false);
  source.addEventListener("call", (e) => announce(JSON.parse(e.data)));
  source.addEventListener("state", (e) => {
    const state = JSON.parse(e.data);
    render(state);
    status(true);
    // After a reconnect: calls made while the stream was down, if still fresh, are announced now.
    state.recent.slice().reverse().forEach((c) => {
      if (primed && c.fresh) announce(c);
      else seen.add(c.key);
    });
    primed = true;
  });
  tick();
  setInterval(tick, 1000);
})();
