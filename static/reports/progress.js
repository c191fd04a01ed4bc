// Live progress of a report job: polls the job's JSON status until it is done or failed.
(function () {
  "use strict";
  var box = document.getElementById("report-job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var finished = { done: true, failed: true };
  if (finished[box.getAttribute("data-status")]) { return; }

  function text(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }

  function show(state) {
    box.setAttribute("data-status", state.status);
    text("job-status", state.status_label);
    text("job-stage", state.stage || "");
    text("job-percent", state.progress + "%");
    var bar = document.getElementById("job-progress");
    if (bar) { bar.value = state.progress; bar.textContent = state.progress + "%"; }
    text("job-error", state.error || "—");
    text("job-sha256", state.sha256 || "—");
    var link = document.getElementById("job-download");
    if (link && state.download_url) {
      link.setAttribute("href", state.download_url);
      link.classList.remove("d-none");
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state) { show(state); }
        if (!state || !finished[state.status]) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
