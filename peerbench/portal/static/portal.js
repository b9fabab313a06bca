/* peerbench portal: progressive enhancement only. Every task works without this file.
 * - focus moves to the error summary when a form comes back with problems.
 * - [data-copy="ID"] buttons copy the text of element ID to the clipboard.
 * - form[data-upload]: drag and drop files onto its .drop-zone, and show upload progress
 *   in its <progress data-progress> while the files are sent (XMLHttpRequest, with the
 *   form's CSRF token in the X-CSRF-Token header).
 */
(function () {
  "use strict";

  function announce(form, text) {
    var status = form.querySelector("[data-upload-status]");
    if (status) { status.textContent = text; }
  }

  // Move focus to an error summary, so screen readers announce it first.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });

  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var zone = form.querySelector(".drop-zone");
    var input = form.querySelector("input[type=file]");
    var progress = form.querySelector("progress[data-progress]");
    if (zone && input) {
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.add("drop-zone--active");
        });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("drop-zone--active"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) {
          input.files = event.dataTransfer.files;
          announce(form, event.dataTransfer.files.length + " file(s) chosen.");
        }
      });
    }
    if (!window.XMLHttpRequest || !window.FormData) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var request = new XMLHttpRequest();
      var token = form.querySelector("input[name=csrf_token]");
      request.open("POST", form.action);
      if (token) { request.setRequestHeader("X-CSRF-Token", token.value); }
      if (progress) {
        progress.hidden = false;
        progress.value = 0;
        request.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) {
            progress.max = e.total;
            progress.value = e.loaded;
            announce(form, "Uploading: " + Math.round((100 * e.loaded) / e.total) + "%");
          }
        });
      }
      request.addEventListener("load", function () {
        var target = request.responseURL;
        if (target && target !== form.action && request.status < 400) {
          window.location.assign(target);
          return;
        }
        document.open();
        document.write(request.responseText);
        document.close();
      });
      request.addEventListener("error", function () {
        announce(form, "The upload failed. Check your connection and try again.");
      });
      announce(form, "Uploading…");
      request.send(new FormData(form));
    });
  });
})();
