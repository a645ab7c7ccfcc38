// faceid emulator verification page: progressive enhancement only. The
// flow works without this script (every step is a form POST).
(function () {
  "use strict";

  // Ignore a second submission of a form (a double tap would otherwise
  // record two attempts). The button's name=value still goes with the
  // first one, since nothing is disabled.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.getAttribute("aria-busy") === "true") {
      e.preventDefault();
      return;
    }
    form.setAttribute("aria-busy", "true");
  });
  // Coming back through the history cache: forms are usable again.
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    var forms = document.querySelectorAll("form[aria-busy]");
    for (var i = 0; i < forms.length; i++) forms[i].removeAttribute("aria-busy");
  });

  // Optional camera preview on the liveness step. It is never required and
  // never requested until the user asks; the stream stays in the page.
  var box = document.getElementById("camera");
  if (!box || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var button = document.getElementById("camera-toggle");
  var video = document.getElementById("camera-video");
  var msg = document.getElementById("camera-msg");
  var stream = null;
  box.hidden = false;

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }
    video.srcObject = null;
    video.hidden = true;
    button.textContent = button.getAttribute("data-show");
    button.setAttribute("aria-pressed", "false");
  }

  button.addEventListener("click", function () {
    if (stream) {
      stop();
      return;
    }
    msg.textContent = "";
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      button.textContent = button.getAttribute("data-hide");
      button.setAttribute("aria-pressed", "true");
    }, function () {
      msg.textContent = button.getAttribute("data-denied");
    });
  });
  window.addEventListener("pagehide", stop);
})();
