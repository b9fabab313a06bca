// Upload form enhancements: drag and drop onto the file area, and a progress bar.
// Without this script the form posts as usual; with it, the same form data is sent by
// XMLHttpRequest (CSRF token in the X-CSRF-Token header) so progress can be shown,
// then the browser goes to the page the server redirected to.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var input = document.getElementById("files");
  var zone = document.getElementById("drop-zone");
  if (!form || !input || !zone || !window.FormData || !window.XMLHttpRequest) {
    return;
  }
  var list = document.getElementById("file-list");
  var progress = document.getElementById("upload-progress");
  var bar = document.getElementById("upload-progress-bar");
  var status = document.getElementById("upload-status");
  var dropped = null;

  function names(files) {
    var out = [];
    for (var i = 0; i < files.length; i += 1) {
      out.push(files[i].name);
    }
    return out;
  }

  function show(files) {
    if (list) {
      list.textContent = files.length ? "Chosen: " + names(files).join(", ") : "";
    }
  }

  input.addEventListener("change", function () {
    dropped = null;
    show(input.files);
  });
  ["dragenter", "dragover"].forEach(function (kind) {
    zone.addEventListener(kind, function (event) {
      event.preventDefault();
      zone.classList.add("drop-zone--active");
    });
  });
  ["dragleave", "drop"].forEach(function (kind) {
    zone.addEventListener(kind, function (event) {
      event.preventDefault();
      zone.classList.remove("drop-zone--active");
    });
  });
  zone.addEventListener("drop", function (event) {
    if (!event.dataTransfer || !event.dataTransfer.files.length) {
      return;
    }
    dropped = event.dataTransfer.files;
    try {
      input.files = dropped; // supported by current browsers; the form then posts them too
    } catch (ignore) {
      // older browsers: the files are added to the request below
    }
    show(dropped);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    if (dropped && input.files !== dropped) {
      data.delete("files");
      for (var i = 0; i < dropped.length; i += 1) {
        data.append("files", dropped[i], dropped[i].name);
      }
    }
    var token = form.querySelector("input[name=csrf_token]");
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    if (token) {
      request.setRequestHeader("X-CSRF-Token", token.value);
    }
    progress.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        bar.textContent = percent + "%";
        status.textContent = percent < 100 ? "Uploaded " + percent + "%" : "Checking your files…";
      }
    });
    request.addEventListener("load", function () {
      if (request.status >= 200 && request.status < 300 && request.responseURL.indexOf("/uploads/") > -1) {
        window.location.assign(request.responseURL);
        return;
      }
      // A page explaining the problem (e.g. the period): show its content in place. Its
      // form then posts without this script, which works the same.
      var page = new DOMParser().parseFromString(request.responseText, "text/html");
      var main = page.querySelector("main");
      var current = document.querySelector("main");
      if (main && current) {
        current.innerHTML = main.innerHTML;
        var summary = current.querySelector(".error-summary");
        (summary || current).focus();
      } else {
        status.textContent = "The upload failed (" + request.status + "). Try again.";
        form.querySelector("button[type=submit]").disabled = false;
      }
    });
    request.addEventListener("error", function () {
      status.textContent = "The upload did not reach the server. Check your connection and try again.";
      form.querySelector("button[type=submit]").disabled = false;
    });
    request.send(data);
  });
})();
