// The attendance screen: live counts of each status, and "all present" filling only the unmarked rows.
(function () {
  "use strict";
  const form = document.getElementById("attendance-form");
  if (!form) { return; }
  const groups = Array.prototype.slice.call(form.querySelectorAll("[data-status-group]"));

  function chosen(group) {
    const checked = group.querySelector("input[type=radio]:checked");
    return checked ? checked.value : "";
  }

  function recount() {
    const counts = {};
    form.querySelectorAll("[data-count]").forEach(function (cell) { counts[cell.dataset.count] = 0; });
    groups.forEach(function (group) {
      const status = chosen(group);
      counts[status in counts ? status : ""] += 1;
    });
    form.querySelectorAll("[data-count]").forEach(function (cell) {
      cell.textContent = String(counts[cell.dataset.count]);
    });
  }

  const allPresent = document.getElementById("attendance-all-present");
  if (allPresent) {
    // With JavaScript the button only fills the screen; the secretary still reviews it and saves.
    // Without JavaScript it is a submit button that the server treats the same way.
    allPresent.addEventListener("click", function (event) {
      event.preventDefault();
      groups.forEach(function (group) {
        if (chosen(group) !== "") { return; }
        const present = group.querySelector("input[type=radio][value=present]");
        if (present) { present.checked = true; }
      });
      recount();
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.type === "radio") { recount(); }
  });
  recount();
})();
