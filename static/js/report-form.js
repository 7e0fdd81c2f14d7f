/* Report form, progressively enhanced: location, photo previews, nearby reports, and drafts kept
   on the phone (IndexedDB) when the connection drops, sent again when it is back. */
(function () {
  "use strict";
  var DB = "riders-portal", STORE = "report-drafts";

  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no indexedDB")); return; }
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), out = fn(t.objectStore(STORE));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function csrfToken() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    var input = document.querySelector("[name=csrfmiddlewaretoken]");
    return m ? decodeURIComponent(m[1]) : (input ? input.value : "");
  }
  function fmt(template, value) { return (template || "").replace("%s", value); }

  function send(url, formData) {
    return fetch(url, {
      method: "POST", body: formData, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRFToken": csrfToken() }
    });
  }

  function draftToFormData(draft) {
    var data = new FormData();
    draft.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    draft.photos.forEach(function (p) { data.append("photos", p.blob, p.name); });
    return data;
  }

  var pendingBox = document.querySelector("[data-pending]");
  var form = document.querySelector("[data-report-form]");
  var messages = form ? form.dataset : (pendingBox ? pendingBox.dataset : {});

  function showPending() {
    if (!pendingBox) return Promise.resolve();
    return tx("readonly", function (s) { return s.count(); }).then(function (n) {
      pendingBox.hidden = !n;
      pendingBox.textContent = n ? fmt(pendingBox.dataset.msgPending, n) : "";
    }).catch(function () {});
  }

  function flushDrafts() {
    if (!navigator.onLine) return Promise.resolve();
    return tx("readonly", function (s) { return s.getAll(); }).then(function (drafts) {
      return drafts.reduce(function (chain, draft) {
        return chain.then(function () {
          return send(draft.url, draftToFormData(draft)).then(function (resp) {
            // Sent, or refused for good (bad input): either way it must not be sent again.
            if (resp.status < 500) return tx("readwrite", function (s) { s.delete(draft.id); });
          });
        });
      }, Promise.resolve());
    }).then(showPending).catch(showPending);
  }

  window.addEventListener("online", flushDrafts);
  showPending().then(flushDrafts);
  if (!form) return;

  var lat = form.querySelector("[name=latitude]"), lng = form.querySelector("[name=longitude]");
  var district = form.querySelector("[name=district]"), category = form.querySelector("[name=category]");
  var status = form.querySelector("[data-location-status]"), nearbyBox = form.querySelector("[data-nearby]");
  var photos = form.querySelector("[name=photos]"), previews = form.querySelector("[data-previews]");
  var districtTouched = false;
  district.addEventListener("change", function () { districtTouched = true; });

  function nearestDistrict(la, ln) {
    var best = null, bestD = Infinity;
    Array.prototype.forEach.call(district.options, function (o) {
      var d = Math.pow(o.dataset.lat - la, 2) + Math.pow((o.dataset.lng - ln) * Math.cos(la * Math.PI / 180), 2);
      if (d < bestD) { bestD = d; best = o; }
    });
    if (best && !districtTouched) district.value = best.value;
  }

  function loadNearby() {
    if (!lat.value || !category.value) { nearbyBox.hidden = true; return; }
    var q = "?category=" + category.value + "&latitude=" + lat.value + "&longitude=" + lng.value;
    fetch(form.dataset.nearbyUrl + q, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      nearbyBox.textContent = "";
      if (!data.reports.length) { nearbyBox.hidden = true; return; }
      var title = document.createElement("p");
      title.textContent = messages.msgNearby;
      var list = document.createElement("ul");
      data.reports.forEach(function (r) {
        var li = document.createElement("li");
        li.textContent = r.id + " · " + r.status + " · " + r.distance_m + " m" + (r.address ? " · " + r.address : "") + " ";
        var join = document.createElement("button");
        join.type = "button"; join.className = "btn"; join.textContent = messages.msgJoin;
        join.addEventListener("click", function () {
          join.disabled = true;
          // Joining needs the rider at the place: send where the phone says we stand.
          var position = new FormData();
          position.append("latitude", lat.value);
          position.append("longitude", lng.value);
          send(r.join_url, position).then(function (resp) { return resp.json(); }).then(function (body) {
            if (body.redirect) window.location.href = body.redirect;
            else { join.disabled = false; showErrors(body.errors || {}); }
          }).catch(function () { join.disabled = false; });
        });
        li.appendChild(join);
        list.appendChild(li);
      });
      nearbyBox.appendChild(title); nearbyBox.appendChild(list); nearbyBox.hidden = false;
    }).catch(function () { nearbyBox.hidden = true; });
  }
  category.addEventListener("change", loadNearby);

  form.querySelector("[data-locate]").addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = messages.msgNoLocation; return; }
    status.textContent = messages.msgLocating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lng.value = pos.coords.longitude.toFixed(6);
      lat.dispatchEvent(new Event("change")); // the map's pin (rider-map.js) follows
      status.textContent = fmt(messages.msgLocated, Math.round(pos.coords.accuracy || 0));
      nearestDistrict(pos.coords.latitude, pos.coords.longitude);
      loadNearby();
    }, function () { status.textContent = messages.msgNoLocation; }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  // The rider placed the pin on the map (rider-map.js wrote the fields, in WGS84).
  lat.addEventListener("change", function (event) {
    if (!event.detail || event.detail.source !== "map") return;
    status.textContent = messages.msgPicked;
    nearestDistrict(parseFloat(lat.value), parseFloat(lng.value));
    loadNearby();
  });

  photos.addEventListener("change", function () {
    previews.textContent = "";
    Array.prototype.slice.call(photos.files, 0, 3).forEach(function (file) {
      var img = document.createElement("img");
      img.alt = ""; img.width = 72; img.height = 72;
      img.src = URL.createObjectURL(file);
      previews.appendChild(img);
    });
    if (photos.files.length > 3) showErrors({ photos: [messages.msgTooMany] });
  });

  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-js-error]"), function (n) { n.remove(); });
  }
  function showErrors(errors) {
    clearErrors();
    Object.keys(errors).forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      var anchor = input ? (input.closest(".field") || input.parentNode) : form.querySelector("h2");
      errors[name].forEach(function (text) {
        var p = document.createElement("p");
        p.className = "field__error"; p.setAttribute("role", "alert"); p.dataset.jsError = "";
        p.textContent = text;
        anchor.appendChild(p);
      });
    });
    var first = form.querySelector("[data-js-error]");
    if (first) first.scrollIntoView({ block: "center" });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("[data-submit]"), label = button.textContent;
    button.disabled = true; button.textContent = messages.msgSending;
    var data = new FormData(form);
    send(form.action, data).then(function (resp) {
      return resp.json().then(function (body) {
        if (resp.ok) { window.location.href = body.redirect; return; }
        showErrors(body.errors || {});
      });
    }).catch(function () {
      // No connection: keep the whole draft, photos included, on the phone.
      var fields = [], files = [];
      data.forEach(function (value, key) {
        if (key === "csrfmiddlewaretoken") return;
        if (value instanceof Blob) { if (value.size) files.push({ name: value.name, blob: value }); }
        else fields.push([key, value]);
      });
      return tx("readwrite", function (s) {
        s.add({ url: form.action, fields: fields, photos: files, savedAt: Date.now() });
      }).then(function () {
        clearErrors();
        form.reset();
        previews.textContent = "";
        return showPending().then(function () {
          pendingBox.textContent = messages.msgSaved;
          pendingBox.hidden = false;
        });
      });
    }).then(function () { button.disabled = false; button.textContent = label; });
  });
})();
