// Scoring form: the review's score out of 100 as the reviewer scores (the same formula as
// reviews/scoring.py: 100 * sum(w * (s - lo) / (hi - lo)) / sum(w) over the criteria scored,
// n/a not counted), and an autosave every 20 seconds while something changed. The server
// computes the same score on every save; without this file the buttons still save and submit.
(function () {
  var form = document.getElementById("review-form");
  if (!form) return;
  var output = form.querySelector("[data-live-score]");
  var status = form.querySelector("[data-autosave-status]");
  var url = form.getAttribute("data-autosave");
  var dirty = false, stopped = false, busy = false;
  var pending = null, resending = false;  // a button pressed while an autosave was on its way

  function liveScore() {
    var weighted = 0, weights = 0;
    form.querySelectorAll("fieldset[data-weight]").forEach(function (set) {
      var checked = set.querySelector("input[type=radio]:checked");
      if (!checked || checked.value === "na") return;
      var w = parseFloat(set.getAttribute("data-weight"));
      var lo = parseInt(set.getAttribute("data-lo"), 10), hi = parseInt(set.getAttribute("data-hi"), 10);
      var s = parseInt(checked.value, 10);
      if (!isFinite(w) || !isFinite(s) || hi <= lo) return;
      weighted += w * (s - lo) / (hi - lo);
      weights += w;
    });
    if (output) output.textContent = weights ? String(Math.round(100 * weighted / weights)) : "—";
  }

  function say(text, isError) {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  function autosave() {
    if (!url || !dirty || stopped || busy) return;
    busy = true;
    dirty = false;
    var data = new FormData(form);
    data.set("action", "save");
    var token = form.querySelector("input[name=csrf_token]");
    fetch(url, { method: "POST", body: data, credentials: "same-origin",
                 headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" } })
      .then(function (response) {
        if ((response.headers.get("Content-Type") || "").indexOf("json") < 0) {
          return { status: 0, body: { error: "Not saved: you seem to be signed out. Sign in again in another tab, " +
                                              "then keep working here." } };
        }
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (result) {
        if (result.status === 200) {
          form.querySelector("input[name=version]").value = result.body.version;
          say("Saved at " + result.body.saved_at);
          if (output && result.body.score !== null) output.textContent = String(Math.round(result.body.score));
        } else if (result.status === 409) {
          stopped = true;  // another tab or device saved: never overwrite it
          say(result.body.error, true);
        } else {
          if (result.status === 0) dirty = true;  // try again once they have signed in
          say(result.body.error || "Not saved.", true);
        }
      })
      .catch(function () { dirty = true; say("Not saved yet: no connection. Trying again shortly.", true); })
      .then(function () {
        busy = false;
        if (pending) {
          var button = pending === true ? undefined : pending;
          pending = null;
          resending = true;
          form.requestSubmit(button);
        }
      });
  }

  form.addEventListener("input", function () { dirty = true; liveScore(); });
  form.addEventListener("change", function () { dirty = true; liveScore(); });
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute("data-confirm-submit");
    var confirmed = resending;
    resending = false;
    if (question && !confirmed && !window.confirm(question)) { event.preventDefault(); return; }
    if (busy) {
      // An autosave is on its way and will change the review's version: sending the form now would
      // be refused as "changed elsewhere". Send it (already confirmed) once the autosave is back.
      event.preventDefault();
      pending = button || true;
      return;
    }
    stopped = true;  // the form itself is being sent
  });
  var every = parseFloat(form.getAttribute("data-autosave-every")) || 20;
  if (url) window.setInterval(autosave, Math.max(1, every) * 1000);
  liveScore();
})();
