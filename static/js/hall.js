// Keeps the hall screen current (templates/hall/screen.html, docs/hall.md): every
// data-hall-refresh-seconds it fetches data-hall-url and updates the figures, the districts,
// the ranking and the honour roll in place, so the screen never blanks or flickers. On a
// network or server error the last figures stay up, a small "reconnecting" mark shows, and
// it retries sooner, backing off (1×, 2×, 4× … the interval, at most 5 minutes) until an
// answer comes; then the mark goes and the normal rhythm resumes. The honour roll rotates
// every data-hall-rotate-seconds. Every text shown comes from the server, translated.
(function () {
  var root = document.querySelector("[data-hall]");
  if (!root) return;
  var url = root.getAttribute("data-hall-url");
  var refresh = Math.max(1, Number(root.getAttribute("data-hall-refresh-seconds")) || 60) * 1000;
  var rotate = Math.max(1, Number(root.getAttribute("data-hall-rotate-seconds")) || 12) * 1000;
  var mark = root.querySelector("[data-hall-reconnecting]");
  var failures = 0;
  var timer = null;

  function show(value, format) {
    if (value === null || value === undefined) return "—";
    return format === "percent" ? value + "%" : String(value);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function updateFigures(figures) {
    root.querySelectorAll("[data-figure]").forEach(function (node) {
      var key = node.getAttribute("data-figure");
      if (!(key in figures)) return;
      var text = show(figures[key], node.getAttribute("data-format"));
      if (node.textContent !== text) node.textContent = text;
    });
  }

  function updateDistricts(districts) {
    var list = root.querySelector("[data-hall-districts]");
    if (!list) return;
    list.replaceChildren.apply(list, districts.map(function (d) {
      var item = el("li", "district heat-" + d.heat);
      item.setAttribute("data-code", d.code);
      item.append(el("span", "district__name", d.name), el("span", "district__open", String(d.open)),
        el("span", "district__closed", String(d.closed)));
      return item;
    }));
  }

  function updateRanking(rows) {
    var body = root.querySelector("[data-hall-ranking]");
    if (!body) return;
    body.replaceChildren.apply(body, rows.map(function (row) {
      var tr = el("tr");
      [String(row.rank), row.name, String(row.received), show(row.closed_on_time_rate, "percent"),
        show(row.response_rate, "percent"), show(row.satisfaction_rate, "percent")].forEach(function (text) {
        tr.append(el("td", "", text));
      });
      return tr;
    }));
    var empty = root.querySelector("[data-hall-ranking-empty]");
    if (empty) empty.hidden = rows.length > 0;
  }

  function honourItem(h) {
    var item = el("li", "honour");
    item.setAttribute("data-id", String(h.id));
    if (h.photo) {
      var img = el("img", "honour__photo");
      img.src = h.photo; img.alt = ""; img.width = 240; img.height = 240;
      item.append(img);
    }
    var who = el("p", "honour__who");
    who.append(el("strong", "", h.name), document.createTextNode(" · " + h.district + (h.station ? " · " + h.station : "")));
    item.append(el("span", "honour__kind", h.kind), el("h3", "honour__title", h.title), who,
      el("p", "honour__story", h.story));
    return item;
  }

  function updateHonours(honours) {
    var list = root.querySelector("[data-hall-honours]");
    if (!list) return;
    var ids = honours.map(function (h) { return String(h.id); }).join(",");
    var shown = Array.prototype.map.call(list.children, function (li) { return li.getAttribute("data-id"); }).join(",");
    if (ids !== shown) {  // rebuilt only when the roll changed, so the rotation is not reset
      list.replaceChildren.apply(list, honours.map(honourItem));
      if (list.firstElementChild) list.firstElementChild.classList.add("is-current");
    } else {
      // Same people: refresh the texts (a language change, an edited story) in place.
      honours.forEach(function (h, i) {
        var fresh = honourItem(h);
        var old = list.children[i];
        if (old.textContent !== fresh.textContent) {
          if (old.classList.contains("is-current")) fresh.classList.add("is-current");
          list.replaceChild(fresh, old);
        }
      });
    }
    var empty = root.querySelector("[data-hall-honours-empty]");
    if (empty) empty.hidden = honours.length > 0;
  }

  function apply(data) {
    updateFigures(data.figures);
    updateDistricts(data.districts);
    updateRanking(data.ranking);
    updateHonours(data.honours);
    var updated = root.querySelector("[data-hall-updated]");
    if (updated) updated.textContent = data.updated;
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(poll, delay);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        apply(data);
        failures = 0;
        if (mark) mark.hidden = true;
        root.removeAttribute("data-hall-offline");
        schedule(refresh);
      })
      .catch(function () {
        failures += 1;
        if (mark) mark.hidden = false;
        root.setAttribute("data-hall-offline", String(failures));
        schedule(Math.min(refresh * Math.pow(2, failures - 1), 300000));
      });
  }

  function rotateHonours() {
    var list = root.querySelector("[data-hall-honours]");
    if (list && list.children.length > 1) {
      var current = list.querySelector(".is-current") || list.firstElementChild;
      var next = current.nextElementSibling || list.firstElementChild;
      current.classList.remove("is-current");
      next.classList.add("is-current");
    }
    setTimeout(rotateHonours, rotate);
  }

  schedule(refresh);
  setTimeout(rotateHonours, rotate);
})();
