/* peerbench portal: progressive enhancement only. Every task works without this file.
 * - focus moves to the error summary when a form comes back with problems.
 * - [data-copy="ID"] buttons copy the text of element ID to the clipboard.
 * (Drag and drop and upload progress for the upload page are in upload.js.)
 */
(function () {
  "use strict";

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
})();
