// "Nearby help", the canteens and Home: ask the phone where the rider stands, then load the
// link's page for that point (the link's own query, e.g. the service and the 24-hour filter, is
// kept). Without location (denied, no GPS, old phone) the plain link still works: the server uses
// the rider's district centre and says so.
(function () {
  "use strict";
  var status = document.querySelector("[data-locating]");
  var ASK = { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 };

  // One listener for the page, so the links Home's card brings in later work too.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-nearby]");
    if (!link || !navigator.geolocation) return;
    event.preventDefault();
    if (status) status.hidden = false;
    var url = new URL(link.href, window.location.href);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        url.searchParams.set("lat", position.coords.latitude.toFixed(6));
        url.searchParams.set("lng", position.coords.longitude.toFixed(6));
        window.location.href = url.toString();
      },
      function () { window.location.href = link.href; },
      ASK
    );
  });

  // Home's "open near you now" is measured from the district's centre until the phone says
  // where the rider is: asked at once when the rider has already allowed it (no prompt on
  // opening Home), else when they tap "Use where I am". The server sends the card's list for
  // that point (merchants:open_near); the map (rider-map.js) draws its new points.
  var near = document.querySelector("[data-near-now]");
  if (!near || !navigator.geolocation) return;
  var button = near.querySelector("[data-near-locate]");

  function locate() {
    navigator.geolocation.getCurrentPosition(function (position) {
      var url = new URL(near.dataset.nearUrl, window.location.href);
      url.searchParams.set("lat", position.coords.latitude.toFixed(6));
      url.searchParams.set("lng", position.coords.longitude.toFixed(6));
      fetch(url.toString(), { credentials: "same-origin" }).then(function (response) {
        return response.ok ? response.text() : Promise.reject(new Error(response.status));
      }).then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        var fresh = template.content.querySelector("[data-near-now-body]");
        var body = near.querySelector("[data-near-now-body]");
        if (!fresh || !body) return;
        body.replaceWith(fresh);
        if (button) button.hidden = true;
        var box = near.querySelector("[data-rider-map]");
        if (box) {
          box.dataset.hereLat = fresh.dataset.hereLat;
          box.dataset.hereLng = fresh.dataset.hereLng;
          if (window.RiderMap) window.RiderMap.refresh(box);
        }
      }).catch(function () {}); // the district's answer stays
    }, function () {}, ASK);
  }

  if (button) button.addEventListener("click", locate);
  var offer = function () { if (button) button.hidden = false; };
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: "geolocation" }).then(function (permission) {
      if (permission.state === "granted") locate();
      else if (permission.state === "prompt") offer();
    }, offer);
  } else {
    offer();
  }
})();
