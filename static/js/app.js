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
