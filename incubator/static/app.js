// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (!question && form.hasAttribute("data-confirm-if-empty")) {
    if (!form.querySelector("input[type=checkbox]:checked")) question = form.getAttribute("data-confirm-if-empty");
  }
  if (question && !window.confirm(question)) event.preventDefault();
});
