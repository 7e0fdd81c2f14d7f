// "Nearby help": ask the phone where the rider stands, then load the list for that point.
// Without location (denied, no GPS, old phone) the plain link still works: the server uses the
// rider's district centre and says so.
(function () {
  var status = document.querySelector("[data-locating]");
  document.querySelectorAll("[data-nearby]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!navigator.geolocation) return;
      event.preventDefault();
      if (status) status.hidden = false;
      var go = function (query) { window.location.search = "service=" + link.dataset.nearby + query; };
      navigator.geolocation.getCurrentPosition(
        function (position) {
          go("&lat=" + position.coords.latitude.toFixed(6) + "&lng=" + position.coords.longitude.toFixed(6));
        },
        function () { go(""); },
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }
      );
    });
  });
})();
