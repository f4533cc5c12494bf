// Application form: live word counts and the share of operating expenses covered
// by public revenue in the four-year plan. The server computes the same figures.
(function () {
  function dollars(text) {
    var value = parseFloat(String(text || "").replace(/[$,\s]/g, ""));
    return isFinite(value) ? value : NaN;
  }

  function updateCoverage(year) {
    var form = document.getElementById("application-form");
    if (!form) return;
    var get = function (key) {
      var input = form.querySelector('[data-plan="' + year + ":" + key + '"]');
      return input ? input.value : "";
    };
    var enrollment = dollars(get("enrollment"));
    var perPupil = dollars(get("per_pupil"));
    var expenses = dollars(get("expenses"));
    var output = form.querySelector('[data-coverage="' + year + '"]');
    if (!output) return;
    if (isFinite(enrollment) && isFinite(perPupil) && isFinite(expenses) && expenses > 0) {
      output.textContent = Math.round((enrollment * perPupil / expenses) * 100) + "%";
    } else {
      output.textContent = "—";
    }
  }

  function updateWords(textarea) {
    var counter = document.querySelector('.word-count[data-for="' + textarea.id + '"]');
    if (!counter) return;
    var limit = parseInt(textarea.getAttribute("data-word-limit"), 10);
    var words = textarea.value.trim() ? textarea.value.trim().split(/\s+/).length : 0;
    counter.textContent = words + " of " + limit + " words";
    counter.classList.toggle("error", words > limit);
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    var plan = target.getAttribute && target.getAttribute("data-plan");
    if (plan) updateCoverage(plan.split(":")[0]);
    if (target.hasAttribute && target.hasAttribute("data-word-limit")) updateWords(target);
  });

  // Text typed (or restored by the browser) before this deferred script ran is counted too.
  document.querySelectorAll("textarea[data-word-limit]").forEach(updateWords);
  document.querySelectorAll("[data-coverage]").forEach(function (output) {
    updateCoverage(output.getAttribute("data-coverage"));
  });
})();
