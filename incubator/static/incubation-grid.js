// The cohort grid (incubation): a "Print the grid" button, shown only when this script runs
// (without it, the browser's own Print gives the same one-page sheet, from the print styles).
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
