// Progressive enhancement only: every page works without this file.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (!question && form.hasAttribute("data-confirm-if-empty")) {
    if (!form.querySelector("input[type=checkbox]:checked")) question = form.getAttribute("data-confirm-if-empty");
  }
  if (question && !window.confirm(question)) event.preventDefault();
});

// Question form: show only the settings that apply to the chosen kind of answer.
(function () {
  var kind = document.getElementById("kind");
  var parts = document.querySelectorAll("[data-show-for-kind]");
  if (!kind || !parts.length) return;
  function sync() {
    parts.forEach(function (part) {
      var kinds = part.getAttribute("data-show-for-kind").split(" ");
      // Never hide a setting that carries an error message.
      part.hidden = kinds.indexOf(kind.value) < 0 && !part.querySelector(".has-error");
    });
  }
  kind.addEventListener("change", sync);
  sync();
})();

// After an action that lands on a section (#files), show its message there, where the eye is,
// instead of at the top of a long page that the browser has scrolled past.
(function () {
  var flashes = document.querySelector(".flashes");
  if (!flashes || !window.location.hash) return;
  var target = document.getElementById(window.location.hash.slice(1));
  if (!target || target.tagName !== "SECTION") return;
  var heading = target.querySelector("h2");
  target.insertBefore(flashes, heading ? heading.nextSibling : target.firstChild);
  target.scrollIntoView();
})();
