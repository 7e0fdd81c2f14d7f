// The admin's "redact region" tool: rectangles drawn on a canvas over the original photo,
// kept in the form's JSON field (fractions 0–1 of the photo) that the server reads. Without
// JavaScript the JSON field is shown and edited as text; the server checks it either way.
(function () {
  var stage = document.querySelector("[data-redact-stage]");
  if (!stage) return;
  var photo = stage.querySelector("[data-redact-photo]");
  var canvas = stage.querySelector("[data-redact-canvas]");
  var field = document.querySelector("[data-redact-boxes]");
  var hint = document.querySelector("[data-redact-hint]");
  var count = document.querySelector("[data-redact-count]");
  if (!photo || !canvas || !field || !canvas.getContext) return;
  var boxes;
  try { boxes = JSON.parse(field.value || "[]"); } catch (e) { return; } // leave it as text
  var context = canvas.getContext("2d");
  var start = null, current = null;

  function save() {
    field.value = JSON.stringify(boxes);
    if (count) count.textContent = "(" + boxes.length + ")";
  }
  function size() {
    canvas.width = photo.clientWidth;
    canvas.height = photo.clientHeight;
    draw();
  }
  function rect(box, colour) {
    context.strokeStyle = colour;
    context.lineWidth = 2;
    context.fillStyle = "rgba(255, 0, 0, 0.15)";
    var x = box.x * canvas.width, y = box.y * canvas.height;
    var w = box.w * canvas.width, h = box.h * canvas.height;
    context.fillRect(x, y, w, h);
    context.strokeRect(x, y, w, h);
  }
  function draw() {
    context.clearRect(0, 0, canvas.width, canvas.height);
    boxes.forEach(function (box) { rect(box, box.source === "manual" ? "#d00" : "#f80"); });
    if (current) rect(current, "#00f");
  }
  function point(event) {
    var bounds = canvas.getBoundingClientRect();
    return {
      x: Math.min(1, Math.max(0, (event.clientX - bounds.left) / bounds.width)),
      y: Math.min(1, Math.max(0, (event.clientY - bounds.top) / bounds.height))
    };
  }
  function between(p, a, b) {
    return {
      x: Math.min(a.x, b.x), y: Math.min(a.y, b.y),
      w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y), kind: "manual", source: "manual"
    };
  }
  canvas.addEventListener("pointerdown", function (event) {
    start = point(event);
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!start) return;
    current = between(null, start, point(event));
    draw();
  });
  canvas.addEventListener("pointerup", function (event) {
    if (!start) return;
    var end = point(event);
    var box = between(null, start, end);
    start = null;
    current = null;
    if (box.w < 0.01 && box.h < 0.01) {
      // A click, not a drag: remove the last rectangle under it.
      for (var i = boxes.length - 1; i >= 0; i--) {
        var b = boxes[i];
        if (end.x >= b.x && end.x <= b.x + b.w && end.y >= b.y && end.y <= b.y + b.h) {
          boxes.splice(i, 1);
          break;
        }
      }
    } else {
      boxes.push(box);
    }
    save();
    draw();
  });
  canvas.hidden = false;
  if (hint) hint.hidden = false;
  var wrapper = document.querySelector("[data-redact-field]");
  if (wrapper) wrapper.classList.add("is-enhanced");
  if (photo.complete) size(); else photo.addEventListener("load", size);
  window.addEventListener("resize", size);
  save();
})();
