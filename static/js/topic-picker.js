// The session form's topic picker: topics grouped by plan, filtered as the secretary types.
(function () {
  "use strict";
  document.querySelectorAll("[data-topic-picker]").forEach(function (picker) {
    const search = picker.querySelector("[data-topic-search]");
    const groups = Array.prototype.slice.call(picker.querySelectorAll("[data-topic-group]"));
    const none = picker.querySelector("[data-topic-none]");
    const chosen = picker.querySelector("[data-topic-selected]");
    if (!search || !groups.length) { return; }
    search.hidden = false;
    // Which groups were open before a search, so clearing it restores them.
    const openBefore = groups.map(function (group) { return group.open; });

    function filter() {
      const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      let shownTotal = 0;
      groups.forEach(function (group, index) {
        const title = (group.querySelector("summary").textContent || "").toLowerCase();
        let shown = 0;
        group.querySelectorAll("[data-topic-option]").forEach(function (option) {
          const text = option.dataset.search + " " + title;
          const match = words.every(function (word) { return text.indexOf(word) !== -1; });
          option.hidden = !match;
          if (match) { shown += 1; }
        });
        group.hidden = shown === 0;
        group.open = words.length ? shown > 0 : openBefore[index];
        const count = group.querySelector("[data-topic-group-count]");
        if (count) { count.textContent = String(shown); }
        shownTotal += shown;
      });
      if (none) { none.hidden = shownTotal > 0; }
    }

    search.addEventListener("input", filter);
    // Enter in the search box must not send the whole form.
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
    picker.addEventListener("change", function () {
      const count = picker.querySelectorAll("input[type=checkbox]:checked").length;
      if (chosen) { chosen.textContent = chosen.textContent.replace(/\d+/, String(count)); }
    });
  });
})();
