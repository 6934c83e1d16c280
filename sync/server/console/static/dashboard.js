// The hall dashboard: fetch the figures fragment every `data-every` seconds and put it in place,
// so the numbers refresh without reloading the page. A failed fetch keeps the last figures and
// says so; a session that ended sends the browser to the sign-in page.
(function () {
  "use strict";
  var box = document.getElementById("figures");
  if (!box) { return; }
  var every = Math.max(5, parseInt(box.getAttribute("data-every"), 10) || 30) * 1000;
  var src = box.getAttribute("data-src");

  function refresh() {
    fetch(src, { credentials: "same-origin", headers: { "Accept": "text/html" }, redirect: "manual" })
      .then(function (answer) {
        if (answer.type === "opaqueredirect" || answer.status === 303 || answer.status === 401) {
          window.location.reload();
          return null;
        }
        if (!answer.ok) { throw new Error(String(answer.status)); }
        return answer.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        box.innerHTML = html;
        box.classList.remove("stale");
      })
      .catch(function () {
        box.classList.add("stale");
      })
      .then(function () { window.setTimeout(refresh, every); });
  }

  window.setTimeout(refresh, every);
})();
