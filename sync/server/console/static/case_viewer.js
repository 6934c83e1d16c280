// The case page's scan viewer: page through, zoom, rotate. Plain JS, no build step; the
// page works without it (each page is a link that opens the scan on its own).
(function () {
  "use strict";
  var list = document.getElementById("viewer-list");
  if (!list) { return; }
  var links = Array.prototype.slice.call(list.querySelectorAll("a[data-page]"));
  var view = document.getElementById("viewer-view");
  var stage = document.getElementById("viewer-stage");
  var img = document.getElementById("viewer-img");
  var missing = document.getElementById("viewer-missing");
  var caption = document.getElementById("viewer-caption");
  var pos = document.getElementById("viewer-pos");
  var zoomLabel = document.getElementById("viewer-zoom");
  var STEPS = [0.5, 0.75, 1, 1.5, 2, 3, 4];
  var state = { index: 0, zoom: 2, rotation: 0 };  // zoom: an index into STEPS, 1 = fits the view

  function layout() {
    var scale = STEPS[state.zoom];
    zoomLabel.textContent = Math.round(scale * 100) + "%";
    img.style.transform = "translate(-50%, -50%) rotate(" + state.rotation + "deg)";
    stage.dataset.rotation = String(state.rotation);
    if (!img.naturalWidth) { return; }
    var turned = state.rotation % 180 !== 0;
    var boxW = turned ? img.naturalHeight : img.naturalWidth;
    var boxH = turned ? img.naturalWidth : img.naturalHeight;
    var fit = Math.min((view.clientWidth - 16) / boxW, (view.clientHeight - 16) / boxH);
    var s = fit * scale;
    img.style.width = Math.round(img.naturalWidth * s) + "px";
    img.style.height = Math.round(img.naturalHeight * s) + "px";
    stage.style.width = Math.round(boxW * s) + "px";
    stage.style.height = Math.round(boxH * s) + "px";
  }

  function show(index) {
    state.index = Math.max(0, Math.min(links.length - 1, index));
    var link = links[state.index];
    var src = link.dataset.src;
    var note = link.dataset.note;
    links.forEach(function (other) { other.removeAttribute("aria-current"); });
    link.setAttribute("aria-current", "page");
    pos.textContent = (state.index + 1) + " / " + links.length;
    caption.textContent = link.dataset.material + (note ? " · " + note : "");
    state.rotation = 0;
    if (src) {
      missing.hidden = true;
      img.hidden = false;
      img.alt = link.dataset.material;
      if (img.getAttribute("src") !== src) { img.src = src; } else { layout(); }
    } else {
      img.hidden = true;
      img.removeAttribute("src");
      missing.textContent = note || "扫描件尚未上传完成";
      missing.hidden = false;
    }
    layout();
  }

  function zoom(step) {
    state.zoom = step === 0 ? 2 : Math.max(0, Math.min(STEPS.length - 1, state.zoom + step));
    layout();
  }

  function rotate(degrees) {
    state.rotation = (state.rotation + degrees + 360) % 360;
    layout();
  }

  img.addEventListener("load", layout);
  window.addEventListener("resize", layout);
  links.forEach(function (link, index) {
    link.addEventListener("click", function (event) { event.preventDefault(); show(index); });
  });
  document.querySelectorAll("a.page-link[data-page]").forEach(function (link) {
    link.addEventListener("click", function () { show(Number(link.dataset.page) - 1); });
  });
  var buttons = {
    "viewer-prev": function () { show(state.index - 1); },
    "viewer-next": function () { show(state.index + 1); },
    "viewer-in": function () { zoom(1); },
    "viewer-out": function () { zoom(-1); },
    "viewer-fit": function () { zoom(0); },
    "viewer-left": function () { rotate(-90); },
    "viewer-right": function () { rotate(90); }
  };
  Object.keys(buttons).forEach(function (id) {
    document.getElementById(id).addEventListener("click", buttons[id]);
  });
  view.addEventListener("keydown", function (event) {
    var keys = { ArrowLeft: buttons["viewer-prev"], ArrowRight: buttons["viewer-next"], "+": buttons["viewer-in"],
                 "=": buttons["viewer-in"], "-": buttons["viewer-out"], "0": buttons["viewer-fit"],
                 r: buttons["viewer-right"], R: buttons["viewer-left"] };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  show(0);
}());
