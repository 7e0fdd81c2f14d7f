/* The workbench's report page, enhanced: choosing a response template shows its blanks at
   once (the form's own button does it without JavaScript), and a sent form's button is
   disabled so a second tap does not send it again (the server refuses a repeat anyway). */
(function () {
  "use strict";
  document.querySelectorAll("select[data-auto-submit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll(".desk-action form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
    });
  });
})();
