// Installs the service worker (templates/sw.js, served at /sw.js) that keeps the shell and the
// pages last seen for offline use, and tells it who this page was rendered for, so that pages
// kept for one rider are dropped when another signs in on the same phone. Attributes on this
// script's tag (templates/base.html): data-sw, the worker's URL; data-who, "" when signed out;
// data-lang. The offline page leaves data-who out: it speaks for nobody.
(function () {
  var script = document.currentScript;
  if (!script || !("serviceWorker" in navigator)) return;
  var who = script.getAttribute("data-who");
  var lang = script.getAttribute("data-lang");
  navigator.serviceWorker.register(script.getAttribute("data-sw"), { scope: "/" }).catch(function () {});
  if (who === null) return;
  navigator.serviceWorker.ready.then(function (registration) {
    if (registration.active) registration.active.postMessage({ type: "page", who: who, lang: lang });
  });
})();
