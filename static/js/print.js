// Archives: a button with data-action="print" prints the page (no inline script under the CSP).
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-action=print]");
  if (!button) { return; }
  event.preventDefault();
  window.print();
});
