// Long choice lists (groups, people): <select data-autocomplete="/autocomplete/groups/"> becomes a search box
// whose suggestions come from the server (at most 20), so a page never carries thousands of options.
(function () {
  "use strict";
  function setup(select) {
    const box = document.createElement("div");
    box.className = "position-relative autocomplete";
    const input = document.createElement("input");
    input.type = "search";
    input.className = select.className.replace("form-select", "form-control");
    input.autocomplete = "off";
    input.id = select.id;
    select.id = select.id + "-select";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    const chosen = select.options[select.selectedIndex];
    input.value = chosen && chosen.value ? chosen.text : "";
    input.placeholder = select.options.length && !select.options[0].value ? select.options[0].text : "";
    const list = document.createElement("ul");
    list.className = "list-group position-absolute w-100 shadow-sm autocomplete-list";
    list.id = input.id + "-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    select.parentNode.insertBefore(box, select);
    box.appendChild(input);
    box.appendChild(list);
    box.appendChild(select);

    function choose(id, text) {
      let option = Array.prototype.find.call(select.options, function (o) { return o.value === String(id); });
      if (!option) {
        option = new Option(text, id);
        select.add(option);
      }
      select.value = String(id);
      input.value = id ? text : "";
      close();
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); }
    let timer = null;
    let asked = 0;
    function search() {
      const ask = ++asked;
      const url = select.dataset.autocomplete + "?q=" + encodeURIComponent(input.value.trim());
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          if (ask !== asked) { return; }
          list.replaceChildren();
          data.results.forEach(function (row) {
            const item = document.createElement("li");
            item.className = "list-group-item list-group-item-action";
            item.setAttribute("role", "option");
            item.tabIndex = -1;
            item.textContent = row.text;
            item.dataset.id = row.id;
            item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(row.id, row.text); });
            item.addEventListener("keydown", function (event) {
              if (event.key === "Enter") { event.preventDefault(); choose(row.id, row.text); input.focus(); }
            });
            list.appendChild(item);
          });
          list.hidden = data.results.length === 0;
          input.setAttribute("aria-expanded", String(!list.hidden));
        });
    }
    input.addEventListener("input", function () {
      if (!input.value.trim()) { select.value = ""; }
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("focus", search);
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && !list.hidden) { event.preventDefault(); list.firstChild.focus(); }
      if (event.key === "Escape") { close(); }
    });
    list.addEventListener("keydown", function (event) {
      const item = document.activeElement;
      if (event.key === "ArrowDown" && item.nextSibling) { event.preventDefault(); item.nextSibling.focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (item.previousSibling || input).focus(); }
      if (event.key === "Escape") { close(); input.focus(); }
    });
  }
  document.querySelectorAll("select[data-autocomplete]").forEach(setup);
})();
