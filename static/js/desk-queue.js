// The workbench queue's map (templates/desk/queue.html): only when DESK_MAP_TILES is set, the
// page carries #desk-map and loads Leaflet (static/vendor/leaflet) and rider-map.js (for its
// WGS84 → GCJ-02 conversion) before this file. The points come from the rows' data attributes
// in WGS84; the list works without any of this.
(function () {
  "use strict";
  var box = document.getElementById("desk-map");
  if (!box || !window.L) return;
  var rows = document.querySelectorAll(".q-row[data-lat][data-lng]");
  // GCJ-02 tiles (AMap's, Tencent's) are drawn a few hundred metres off WGS84: shift the markers.
  var RiderMap = window.RiderMap;
  var toTiles = box.dataset.crs === "gcj02" && RiderMap
    ? RiderMap.wgs84ToGcj02 : function (lat, lng) { return [lat, lng]; };
  var map = L.map(box, { scrollWheelZoom: false, attributionControl: false });
  L.tileLayer(box.dataset.tiles, { maxZoom: 19 }).addTo(map);
  if (RiderMap) RiderMap.credit(map, box.dataset.attribution);
  var colours = { green: "#2e7d32", amber: "#e65100", red: "#c62828", paused: "#5f6368", none: "#0d47a1" };
  var points = [];
  rows.forEach(function (row) {
    var lat = parseFloat(row.dataset.lat), lng = parseFloat(row.dataset.lng);
    if (isNaN(lat) || isNaN(lng)) return;
    var at = toTiles(lat, lng);
    lat = at[0]; lng = at[1];
    var state = (row.className.match(/q-row--(green|amber|red|paused|none)/) || [])[1] || "none";
    var marker = L.circleMarker([lat, lng], { radius: 9, color: colours[state], weight: 2, fillOpacity: 0.7 });
    var link = document.createElement("a");
    var number = row.querySelector(".q-num");
    link.href = number.href;
    link.textContent = number.textContent;
    marker.bindPopup(link).addTo(map);
    points.push([lat, lng]);
  });
  box.deskMap = { map: map, points: points };  // where each marker is drawn (tests read it)
  box.setAttribute("role", "region");
  box.setAttribute("aria-label", box.dataset.label || "");
  if (points.length) map.fitBounds(points, { padding: [24, 24], maxZoom: 16 });
  else map.setView([36.16, 120.42], 12);
})();
