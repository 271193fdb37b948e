// cronbridge ui: confirmation before actions, and in-place refresh without a reload.
// Served from /static (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  var seconds = parseInt(document.body.dataset.refresh || "0", 10);
  if (!seconds) { return; }
  var offline = document.getElementById("offline");

  function busy() {
    var el = document.activeElement;
    return el && (el.tagName === "SELECT" || el.tagName === "INPUT" || el.tagName === "TEXTAREA");
  }

  function refresh() {
    if (document.hidden || busy()) { return schedule(); }
    fetch(window.location.href, { headers: { "X-Cronbridge-Refresh": "1" }, cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("live");
        var live = document.getElementById("live");
        // Replace only the live region, and only when it changed: no reload, no flicker.
        if (fresh && live && fresh.innerHTML !== live.innerHTML) { live.innerHTML = fresh.innerHTML; }
        offline.hidden = true;
      })
      .catch(function () { offline.hidden = false; })
      .then(schedule);
  }

  function schedule() { window.setTimeout(refresh, seconds * 1000); }
  schedule();
}());
