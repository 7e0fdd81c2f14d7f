// Riders Portal's service worker (served at /sw.js by core.views.service_worker, scope "/").
// The shell (styles, icons, the offline page) is kept at install; rider pages are network-first,
// falling back to the last copy seen of that page, then to the offline page. Never kept: POSTs,
// the admin, the desk, the API, sign-in and sign-out, and anything not a plain 200 page. The
// version changes with every deploy that changes a shell file, and the old caches go with it.
"use strict";
var VERSION = "{{ version|escapejs }}";
var SHELL = "rp-shell-" + VERSION;
var PAGES = "rp-pages-" + VERSION;
var OFFLINE = "{{ offline_url|escapejs }}";
var SHELL_URLS = {{ shell_urls|safe }}.concat([OFFLINE]);
var MAX_PAGES = 30;  // a small cache: cheap phones have little room
// Never kept, never answered from the cache.
var PRIVATE = /^\/(admin|desk|api|open311|hall|sms|staff|sign-in|sign-out|language|healthz|sw\.js)(\/|$)/;
// Signing in or out, or switching the language: the pages kept so far are dropped.
var SESSION = /^\/(sign-in|sign-out|language)(\/|$)/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_URLS); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("rp-") === 0 && name !== SHELL && name !== PAGES;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function clearPages() {
  return caches.delete(PAGES);
}

// Each page says who it was rendered for and in which language (static/js/sw-register.js).
// When the rider changes, the pages kept for the one before are dropped; when the language
// changes, the offline page is fetched again in the new one.
var WHO = new Request("/__rp_who__");
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "page") return;
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return Promise.all([
      cache.match(WHO).then(function (kept) { return kept ? kept.text() : null; }).then(function (before) {
        if (before === data.who) return null;
        return Promise.all([before === null ? null : clearPages(), cache.put(WHO, new Response(data.who))]);
      }),
      cache.match(OFFLINE).then(function (kept) {
        if (kept && kept.headers.get("Content-Language") === data.lang) return null;
        return cache.add(OFFLINE);
      }),
    ]);
  }).catch(function () { /* offline: try again on the next page */ }));
});

function keepable(response) {
  if (!response || response.status !== 200 || response.type !== "basic" || response.redirected) return false;
  var control = response.headers.get("Cache-Control") || "";
  var type = response.headers.get("Content-Type") || "";
  return type.indexOf("text/html") === 0 && control.indexOf("no-store") === -1;
}

function trim(cache) {
  return cache.keys().then(function (keys) {
    return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map(function (key) {
      return cache.delete(key);
    }));
  });
}

function page(event) {
  var request = event.request;
  return fetch(request).then(function (response) {
    if (response.status >= 500) {
      // The site is down (database, deploy): the last copy seen beats an error page.
      return caches.open(PAGES).then(function (cache) { return cache.match(request); })
        .then(function (kept) { return kept || response; });
    }
    if (keepable(response)) {
      var copy = response.clone();
      event.waitUntil(caches.open(PAGES).then(function (cache) {
        return cache.delete(request).then(function () { return cache.put(request, copy); })
          .then(function () { return trim(cache); });
      }));
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) { return cache.match(request); })
      .then(function (kept) { return kept || caches.match(OFFLINE); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    // A shared phone: after a sign-in or a sign-out the pages kept are nobody's to see; after a
    // language switch they speak the other language.
    if (SESSION.test(url.pathname)) event.waitUntil(clearPages());
    return;  // POSTs go to the network as they are (report drafts resend themselves)
  }
  if (PRIVATE.test(url.pathname)) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
    return;
  }
  if (SHELL_URLS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(request).then(function (kept) { return kept || fetch(request); }));
  }
});
