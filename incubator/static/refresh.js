// "Being prepared" pages: reload after a few seconds until the file is ready (the page works without it:
// its "Reload now" link does the same). Stops after about two minutes.
(function () {
  var marker = document.querySelector("[data-refresh-after]");
  if (!marker) return;
  var seconds = parseInt(marker.getAttribute("data-refresh-after"), 10) || 3;
  var key = "refresh:" + window.location.pathname;
  var tries = parseInt(window.sessionStorage.getItem(key) || "0", 10);
  if (tries > 40) { window.sessionStorage.removeItem(key); return; }
  window.setTimeout(function () {
    window.sessionStorage.setItem(key, String(tries + 1));
    window.location.reload();
  }, seconds * 1000);
})();
