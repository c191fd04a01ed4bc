// The check-in page shown in the room: fetch the new code when the current one rotates (every 30 s).
(function () {
  "use strict";
  const box = document.getElementById("checkin-code");
  if (!box) { return; }
  const image = document.getElementById("checkin-qr");
  const address = document.getElementById("checkin-url");

  function schedule(seconds) {
    // A little after the step changes, so the server is surely on the new step.
    window.setTimeout(refresh, Math.max(1, seconds) * 1000 + 300);
  }

  function refresh() {
    fetch(box.dataset.json, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (code) {
        if (code.ended) { window.location.reload(); return; }
        image.src = code.svg_url;
        address.textContent = code.url;
        box.dataset.url = code.url;
        schedule(code.refresh_in);
      })
      .catch(function () {
        // Offline for a moment: try again soon; the old code stays shown meanwhile.
        schedule(5);
      });
  }

  schedule(parseFloat(box.dataset.refreshIn || "30"));
})();
