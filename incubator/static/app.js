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

// Tables on a phone: each row becomes a card whose cells are labeled with their column's
// header (style.css shows the labels on narrow screens only). The table keeps its roles, so
// a screen reader still hears it as a table; without this script, tables scroll in their wrapper.
(function () {
  var ROLES = { TABLE: "table", THEAD: "rowgroup", TBODY: "rowgroup", TFOOT: "rowgroup", TR: "row", TD: "cell" };
  document.querySelectorAll(".table-wrap > table").forEach(function (table) {
    var headerRow = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!headerRow) return;
    var labels = [];
    Array.prototype.forEach.call(headerRow.cells, function (cell) {
      for (var i = 0; i < cell.colSpan; i++) labels.push(cell.textContent.replace(/\s+/g, " ").trim());
    });
    [table].concat(Array.prototype.slice.call(table.querySelectorAll("thead, tbody, tfoot, tr, th, td")))
      .forEach(function (element) {
        if (element.hasAttribute("role")) return;
        if (element.tagName === "TH") {
          element.setAttribute("role", element.closest("thead") || element.scope === "col" ? "columnheader" : "rowheader");
        } else {
          element.setAttribute("role", ROLES[element.tagName]);
        }
      });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          var label = labels[column];
          column += cell.colSpan;
          if (cell.colSpan === 1 && label && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", label);
          var blank = !cell.textContent.trim() && !cell.querySelector("input, select, textarea, button, img, svg, output");
          if (blank) cell.classList.add("blank");
        });
      });
    });
    table.classList.add("stacks");
  });
})();

// After an invalid submit, the error summary takes the focus, so it is read first and its links lead
// to each field (WCAG 3.3.1).
(function () {
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();
})();
