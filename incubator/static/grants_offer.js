// The offer form's running total of its tranches (progressive enhancement: the server checks the sum).
(function () {
  var form = document.querySelector(".offer-form");
  if (!form) return;
  var out = form.querySelector("[data-tranche-total]");
  var grant = form.querySelector("input[name=amount]");
  function cents(text) {
    var n = Number(String(text || "").replace(/[$,\s]/g, ""));
    return isFinite(n) ? Math.round(n * 100) : NaN;
  }
  function money(c) {
    return "$" + (c / 100).toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }
  function update() {
    var total = 0;
    form.querySelectorAll(".tranche-row input[name$='-amount']").forEach(function (input) {
      var c = cents(input.value);
      if (input.value.trim() && !isNaN(c)) total += c;
    });
    var target = cents(grant.value);
    out.textContent = money(total) + (isNaN(target) ? "" : (total === target ? " (the grant's amount)" :
      "; the grant is " + money(target)));
    out.parentNode.hidden = false;
  }
  form.addEventListener("input", update);
  update();
})();
