// The ZIP of a sitting's PDFs, fetched with a progress bar: the server streams one stored PDF
// after another, so every "%PDF-" in the stream is one more participant done. Without this
// script the link downloads the same ZIP directly.
(function () {
  "use strict";
  var link = document.getElementById("bundle-zip");
  if (!link || !window.fetch || !window.ReadableStream) return;
  var box = document.getElementById("bundle-progress");
  var bar = document.getElementById("bundle-bar");
  var status = document.getElementById("bundle-status");
  var MARK = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-

  function say(key, done, total) {
    status.textContent = status.dataset[key].replace("{done}", done).replace("{n}", total);
  }

  function count(chunk, carry) {
    // carry: how many bytes of MARK ended the previous chunk
    var found = 0;
    for (var i = 0; i < chunk.length; i++) {
      if (chunk[i] === MARK[carry]) {
        carry++;
        if (carry === MARK.length) { found++; carry = 0; }
      } else {
        carry = chunk[i] === MARK[0] ? 1 : 0;
      }
    }
    return [found, carry];
  }

  link.addEventListener("click", function (event) {
    event.preventDefault();
    if (link.dataset.busy) return;
    link.dataset.busy = "1";
    var total = parseInt(link.dataset.count, 10) || 0;
    var done = 0, carry = 0, parts = [];
    box.hidden = false;
    say("making", 0, total);
    fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      total = parseInt(response.headers.get("X-Report-Count"), 10) || total;
      bar.max = total || 1;
      var reader = response.body.getReader();
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) return;
          parts.push(step.value);
          var seen = count(step.value, carry);
          done += seen[0]; carry = seen[1];
          bar.value = Math.min(done, total);
          say("making", Math.min(done, total), total);
          return pump();
        });
      }
      return pump().then(function () {
        var name = (response.headers.get("Content-Disposition") || "").split('filename="')[1];
        var save = document.createElement("a");
        save.href = URL.createObjectURL(new Blob(parts, { type: "application/zip" }));
        save.download = name ? name.replace(/"$/, "") : "laporan.zip";
        document.body.appendChild(save);
        save.click();
        say("done", done, total);
        bar.value = bar.max;
      });
    }).catch(function () {
      say("failed", done, total);
    }).then(function () {
      delete link.dataset.busy;
    });
  });
})();
