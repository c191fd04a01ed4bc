// Every POST form carries a random token, so the server processes a repeated submission once.
document.querySelectorAll("form[method=post], form[method=POST]").forEach(function (form) {
  if (form.querySelector("input[name=_submission]")) { return; }
  const input = document.createElement("input");
  input.type = "hidden";
  input.name = "_submission";
  input.value = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
  form.appendChild(input);
});
// Forms: disable the submit button once sent, so a double click stores one record.
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (form.dataset.submitted === "1") { event.preventDefault(); return; }
  form.dataset.submitted = "1";
  form.querySelectorAll("[type=submit]").forEach(function (b) { b.classList.add("disabled"); });
});
// Confirmation before destructive actions: <form data-confirm="...">.
document.addEventListener("submit", function (event) {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) { event.preventDefault(); event.target.dataset.submitted = ""; }
}, true);
