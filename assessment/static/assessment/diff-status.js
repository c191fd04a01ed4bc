// The diff page while a comparison is queued or running: polls its JSON status (as static/reports/progress.js
// does for report jobs) and reloads the page once the comparison is done or failed.
(function () {
  "use strict";
  var box = document.getElementById("diff-pending");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var finished = { done: true, failed: true };

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state && finished[state.status]) { window.location.reload(); return; }
        if (state) {
          var label = document.getElementById("diff-status");
          if (label) { label.textContent = state.status_label; }
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
