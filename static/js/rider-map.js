// The rider pages' maps ({% rider_map %}: templates/_map.html, core/templatetags/rider_map.py).
// Progressive: the page is a list that works without this file, and the box is only there when
// a tile server is set (MAP_TILE_URL). Leaflet (static/vendor/leaflet) is fetched when the box
// comes near the screen, after the page has rendered; on a data-saving or 2G connection only
// when the rider asks ("Show the map"). The markers are the page's own elements: each carries
// data-lat, data-lng (WGS84, as stored), data-kind (open, closed, place, soon, report) and
// data-label, and may carry data-n (its number in the list) and data-note.
//
// We store WGS84; tiles such as AMap's are drawn in GCJ-02 (data-crs="gcj02"): markers are
// moved to GCJ-02 to be drawn and a dragged pin is moved back to WGS84 before it is written
// into the form. The two conversions are merchants/geo.py's, line for line
// (tests/browser/test_maps.py checks that both give the same points).
(function () {
  "use strict";
  if (window.RiderMap) return; // a second map on the page: this file is already at work

  // --- WGS84 <-> GCJ-02 (merchants/geo.py) ---------------------------------------------------
  var EARTH_A = 6378245.0, EARTH_EE = 0.00669342162296594323, PI = Math.PI;

  function outOfChina(lat, lng) {
    return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }
  function transformLat(x, y) {
    var ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2 / 3;
    ret += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2 / 3;
    ret += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2 / 3;
    return ret;
  }
  function transformLng(x, y) {
    var ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2 / 3;
    ret += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2 / 3;
    ret += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2 / 3;
    return ret;
  }
  function wgs84ToGcj02(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    var dlat = transformLat(lng - 105.0, lat - 35.0), dlng = transformLng(lng - 105.0, lat - 35.0);
    var radLat = lat / 180.0 * PI, sinLat = Math.sin(radLat);
    var magic = 1 - EARTH_EE * sinLat * sinLat, sqrtMagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((EARTH_A * (1 - EARTH_EE)) / (magic * sqrtMagic) * PI);
    dlng = (dlng * 180.0) / (EARTH_A / sqrtMagic * Math.cos(radLat) * PI);
    return [lat + dlat, lng + dlng];
  }
  // No closed form: iterate the forward formula until the step is under 1e-9 degrees.
  function gcj02ToWgs84(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    var wlat = lat, wlng = lng;
    for (var step = 0; step < 30; step++) {
      var g = wgs84ToGcj02(wlat, wlng), dlat = g[0] - lat, dlng = g[1] - lng;
      wlat -= dlat; wlng -= dlng;
      if (Math.abs(dlat) < 1e-9 && Math.abs(dlng) < 1e-9) break;
    }
    return [wlat, wlng];
  }

  // --- Loading Leaflet, once, after the page ---------------------------------------------------
  var leaflet = null;
  function load(url, make) {
    return new Promise(function (resolve, reject) {
      var el = make(url);
      el.onload = resolve;
      el.onerror = reject;
      document.head.appendChild(el);
    });
  }
  function loadLeaflet(box) {
    if (window.L) return Promise.resolve(window.L);
    if (!leaflet) {
      leaflet = Promise.all([
        load(box.dataset.leafletCss, function (url) {
          var link = document.createElement("link");
          link.rel = "stylesheet"; link.href = url;
          return link;
        }),
        load(box.dataset.leafletJs, function (url) {
          var script = document.createElement("script");
          script.src = url;
          return script;
        })
      ]).then(function () { return window.L; });
    }
    return leaflet;
  }

  // Draw when the box is about to be seen; a rider saving data taps first.
  function whenWanted(box, go) {
    var connection = navigator.connection;
    if (connection && (connection.saveData || /(^|-)2g$/.test(connection.effectiveType || ""))) {
      var show = document.createElement("button");
      show.type = "button"; show.className = "btn rmap__show"; show.textContent = box.dataset.msgShow;
      show.addEventListener("click", function () { show.remove(); go(); });
      box.appendChild(show);
      return;
    }
    if (!("IntersectionObserver" in window)) { go(); return; }
    var watch = new IntersectionObserver(function (entries) {
      if (!entries.some(function (entry) { return entry.isIntersecting; })) return;
      watch.disconnect();
      go();
    }, { rootMargin: "200px" });
    watch.observe(box);
  }

  // --- Drawing -------------------------------------------------------------------------------
  var QINGDAO = [36.0671, 120.3826];

  function number(value) { var n = parseFloat(value); return isNaN(n) ? null : n; }
  function toTiles(crs, lat, lng) { return crs === "gcj02" ? wgs84ToGcj02(lat, lng) : [lat, lng]; }
  function fromTiles(crs, lat, lng) { return crs === "gcj02" ? gcj02ToWgs84(lat, lng) : [lat, lng]; }

  function icon(kind, text) {
    var dot = document.createElement("span");
    dot.className = "rmap-pin__dot";
    dot.textContent = text || "";
    var pick = kind === "pick";
    return L.divIcon({
      className: "rmap-pin rmap-pin--" + kind, html: dot,
      iconSize: pick ? [32, 42] : [30, 30], iconAnchor: pick ? [16, 42] : [15, 15],
      popupAnchor: pick ? [0, -36] : [0, -12]
    });
  }

  function pointsOf(box) {
    var elements = box.dataset.lat ? [box] : [];
    if (box.dataset.points) {
      Array.prototype.push.apply(elements, document.querySelectorAll(box.dataset.points));
    }
    return elements.filter(function (el) {
      return number(el.dataset.lat) !== null && number(el.dataset.lng) !== null;
    });
  }

  function popupFor(el) {
    var box = document.createElement("div");
    var name = document.createElement(el.id ? "a" : "strong");
    if (el.id) name.href = "#" + el.id;
    name.className = "rmap-popup__name";
    name.textContent = el.dataset.label || "";
    box.appendChild(name);
    if (el.dataset.note) {
      var note = document.createElement("span");
      note.className = "rmap-popup__note";
      note.textContent = el.dataset.note;
      box.appendChild(note);
    }
    return box;
  }

  // fit: also move the view to the markers (not for the report form's pin, placed by draw()).
  function drawMarkers(state, fit) {
    var box = state.box, crs = state.crs;
    state.layer.clearLayers();
    var seen = [];
    pointsOf(box).forEach(function (el) {
      var at = toTiles(crs, number(el.dataset.lat), number(el.dataset.lng));
      var label = el.dataset.label || "";
      var marker = L.marker(at, {
        icon: icon(el.dataset.kind || "place", el.dataset.n), title: label, alt: label, riseOnHover: true
      });
      if (label) marker.bindPopup(popupFor(el));
      state.layer.addLayer(marker);
      seen.push(at);
    });
    var hereLat = number(box.dataset.hereLat), hereLng = number(box.dataset.hereLng);
    if (hereLat !== null && hereLng !== null) {
      var here = toTiles(crs, hereLat, hereLng);
      state.layer.addLayer(L.marker(here, { icon: icon("here"), keyboard: false, zIndexOffset: -100 }));
      seen.push(here);
    }
    if (!fit) return;
    // No animation: the view is where it will stay once the box says it is ready.
    var still = { animate: false };
    if (seen.length > 1) state.map.fitBounds(seen, { padding: [28, 28], maxZoom: 16, animate: false });
    else if (seen.length === 1) state.map.setView(seen[0], 16, still);
    else {
      var centreLat = number(box.dataset.centreLat), centreLng = number(box.dataset.centreLng);
      state.map.setView(
        centreLat !== null && centreLng !== null ? toTiles(crs, centreLat, centreLng) : toTiles(crs, QINGDAO[0], QINGDAO[1]),
        centreLat !== null ? 14 : 11,
        still
      );
    }
  }

  // The report form: a pin the rider drags, or moves by tapping the map, when the phone's
  // position is off or missing. The form's latitude and longitude get the pin's WGS84 point;
  // a `change` event with detail.source "map" tells report-form.js. The phone's position (a
  // plain `change` of the latitude field) and, before any is set, the district move the pin.
  function setUpPick(state) {
    var box = state.box, crs = state.crs;
    var lat = document.querySelector(box.dataset.pickLat), lng = document.querySelector(box.dataset.pickLng);
    if (!lat || !lng) return;
    var district = lat.form && lat.form.querySelector("[name=district]");
    function districtCentre() {
      var option = district && district.options[district.selectedIndex];
      if (!option || number(option.dataset.lat) === null) return null;
      return [number(option.dataset.lat), number(option.dataset.lng)];
    }
    function fromFields() {
      var a = number(lat.value), b = number(lng.value);
      return a !== null && b !== null ? [a, b] : null;
    }
    var start = fromFields() || districtCentre() || QINGDAO;
    state.pinPlaced = Boolean(fromFields());
    state.pin = L.marker(toTiles(crs, start[0], start[1]), {
      icon: icon("pick"), draggable: true, autoPan: true, title: box.getAttribute("aria-label") || ""
    }).addTo(state.map);
    function write(latlng) {
      var point = fromTiles(crs, latlng.lat, latlng.lng);
      lat.value = point[0].toFixed(6);
      lng.value = point[1].toFixed(6);
      lat.dispatchEvent(new CustomEvent("change", { bubbles: true, detail: { source: "map" } }));
    }
    state.pin.on("dragend", function () { write(state.pin.getLatLng()); });
    state.map.on("click", function (event) { state.pin.setLatLng(event.latlng); write(event.latlng); });
    function moveTo(point, zoom) {
      var at = toTiles(crs, point[0], point[1]);
      state.pin.setLatLng(at);
      state.map.setView(at, zoom);
    }
    lat.addEventListener("change", function (event) {
      if (event.detail && event.detail.source === "map") return;
      var point = fromFields();
      if (point) moveTo(point, 17);
    });
    if (district) {
      district.addEventListener("change", function () {
        var centre = districtCentre();
        if (!fromFields() && centre) moveTo(centre, 14);
      });
    }
  }

  // The tile provider's credit line (settings.MAP_TILE_ATTRIBUTION), as text in the corner:
  // Leaflet's control takes HTML, so the text is escaped first.
  function credit(map, text) {
    if (!text) return;
    var escaped = text.replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
    L.control.attribution({ prefix: false }).addAttribution(escaped).addTo(map);
  }

  // Give the main thread back between the steps of drawing (a rider's tap, the page's own
  // scripts): Leaflet's evaluation, the map and its tiles, the markers each run as a task of
  // their own instead of one long one (Lighthouse's total blocking time on a cheap phone).
  function yieldToMain() {
    if (window.scheduler && typeof window.scheduler.yield === "function") return window.scheduler.yield();
    return new Promise(function (resolve) { setTimeout(resolve, 0); });
  }

  function draw(box) {
    var crs = box.dataset.crs === "gcj02" ? "gcj02" : "wgs84";
    // A small map (Home's card) keeps its little room for the pins: fingers pinch to zoom.
    // No fade or zoom animations: less work on a slow phone, and a map that is still when
    // it says it is ready.
    var map = L.map(box, {
      scrollWheelZoom: false, attributionControl: false, zoomSnap: 0.5,
      fadeAnimation: false, zoomAnimation: false, markerZoomAnimation: false,
      zoomControl: !box.classList.contains("rmap--small")
    });
    L.tileLayer(box.dataset.tiles, {
      maxZoom: 18, minZoom: 4, subdomains: box.dataset.subdomains || "abc"
    }).addTo(map);
    credit(map, box.dataset.attribution);
    var state = { box: box, crs: crs, map: map, layer: L.layerGroup().addTo(map), pin: null };
    box.riderMap = state;
    return yieldToMain().then(function () {
      if (box.dataset.pickLat) setUpPick(state);
      if (state.pin) {
        // A pin at the district's centre is a guess: show the district, not one street.
        map.setView(state.pin.getLatLng(), state.pinPlaced ? 17 : 14, { animate: false });
        drawMarkers(state, false);
      } else {
        drawMarkers(state, true);
      }
      box.dataset.ready = "";
    });
  }

  function start(box) {
    whenWanted(box, function () {
      loadLeaflet(box).then(yieldToMain).then(function () { return draw(box); }).catch(function () {
        // No Leaflet (a weak signal): the list alone, as without a tile server.
        box.hidden = true;
      });
    });
  }

  window.RiderMap = {
    wgs84ToGcj02: wgs84ToGcj02,
    gcj02ToWgs84: gcj02ToWgs84,
    outOfChina: outOfChina,
    credit: credit,
    // The page changed its points (Home's card, located again): draw them anew.
    refresh: function (box) { if (box.riderMap) drawMarkers(box.riderMap, true); }
  };
  document.querySelectorAll("[data-rider-map]").forEach(start);
})();
