// "Nearby help" and the canteens: ask the phone where the rider stands, then load the link's
// page for that point (the link's own query, e.g. the service and the 24-hour filter, is kept).
// Without location (denied, no GPS, old phone) the plain link still works: the server uses the
// rider's district centre and says so.
(function () {
  var status = document.querySelector("[data-locating]");
  document.querySelectorAll("[data-nearby]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!navigator.geolocation) return;
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
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }
      );
    });
  });
})();
