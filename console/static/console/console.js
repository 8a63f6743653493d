/* OpenVidu Meet operator console: small progressive enhancements. Every page works without
   this file; with it, copy buttons copy, long actions show progress, dates show in local time. */
(function () {
  "use strict";

  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = csrfMeta ? csrfMeta.content : "";
  var announcer = document.getElementById("announcer");

  function announce(text) {
    if (!announcer) return;
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function formatBytes(bytes) {
    if (bytes < 1024) return bytes + " B";
    var units = ["KB", "MB", "GB", "TB"];
    var value = bytes / 1024;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return value.toFixed(1) + " " + units[unit];
  }

  /* --- Copy buttons: <button data-copy="#input-id"> ------------------------------------- */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
      document.body.removeChild(area);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var label = button.textContent;
    copyText(source.value || source.textContent).then(function () {
      button.textContent = "Copied";
      button.classList.add("copied");
      announce("Copied to the clipboard");
      window.setTimeout(function () { button.textContent = label; button.classList.remove("copied"); }, 1800);
    }, function () {
      source.focus();
      if (source.select) source.select();
      announce("Press Ctrl+C to copy");
    });
  });

  /* --- Confirmations: <form data-confirm="…"> -------------------------------------------- */

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-zip")) return; // a download changes nothing
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    var busy = (submitter && submitter.getAttribute("data-busy")) || form.getAttribute("data-busy");
    if (busy && !event.defaultPrevented) {
      var button = submitter || form.querySelector("button[type=submit]");
      if (button) {
        button.setAttribute("aria-busy", "true");
        window.setTimeout(function () { button.disabled = true; }, 0);
      }
      announce(busy);
    }
  }, true);

  /* --- Local times: <time datetime="…" data-local> ---------------------------------------- */

  var dateFormat = window.Intl && Intl.DateTimeFormat
    ? new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" })
    : null;
  document.querySelectorAll("time[data-local]").forEach(function (element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (!dateFormat || isNaN(moment.getTime())) return;
    element.title = element.textContent;
    element.textContent = dateFormat.format(moment);
  });

  /* The room form reads its date in the operator's time zone. */
  document.querySelectorAll('input[name="timezone_offset"]').forEach(function (input) {
    input.value = String(new Date().getTimezoneOffset());
  });

  /* --- Select all: <input type=checkbox data-select-all="name"> -------------------------- */

  document.querySelectorAll("[data-select-all]").forEach(function (toggle) {
    var form = toggle.form || toggle.closest("form");
    var name = toggle.getAttribute("data-select-all");
    toggle.addEventListener("change", function () {
      form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
        box.checked = toggle.checked;
      });
    });
  });

  function selected(form, name) {
    return Array.prototype.map.call(
      form.querySelectorAll('input[type=checkbox][name="' + name + '"]:checked'),
      function (box) { return box; }
    );
  }

  function progressPanel(form) {
    var panel = form.querySelector("[data-progress]");
    panel.hidden = false;
    return {
      bar: panel.querySelector("progress"),
      text: panel.querySelector(".progress-text"),
      failures: panel.querySelector(".progress-failures"),
      panel: panel,
    };
  }

  function postForm(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.message || ("HTTP " + response.status));
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  /* --- Bulk delete in batches with progress: <form data-bulk="field" data-bulk-batch="5"> --- */

  document.querySelectorAll("form[data-bulk]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("data-zip")) {
        event.preventDefault();
        downloadZip(form, submitter);
        return;
      }
      var name = form.getAttribute("data-bulk");
      var boxes = selected(form, name);
      if (!boxes.length) {
        event.preventDefault();
        announce("Select at least one item first");
        window.alert("Select at least one item first.");
        return;
      }
      event.preventDefault();
      var batchSize = parseInt(form.getAttribute("data-bulk-batch"), 10) || 5;
      var ui = progressPanel(form);
      var total = boxes.length;
      var done = 0;
      var failed = 0;
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (button) { button.disabled = true; });
      ui.failures.innerHTML = "";
      ui.bar.max = total;
      ui.bar.value = 0;
      ui.text.textContent = "Deleting 0 of " + total + "…";

      function markFailure(id, message) {
        failed++;
        var item = document.createElement("li");
        item.textContent = message || id;
        ui.failures.appendChild(item);
      }

      function next(start) {
        if (start >= total) {
          ui.text.textContent = "Done: " + (total - failed) + " deleted or processed, " + failed + " failed.";
          buttons.forEach(function (button) { button.disabled = false; });
          return;
        }
        var batch = boxes.slice(start, start + batchSize);
        var body = new FormData(form);
        body.delete(name);
        batch.forEach(function (box) { body.append(name, box.value); });
        postForm(form.action, body).then(function (data) {
          (data.successful || []).forEach(function (item) { removeRow(form, item.roomId); });
          (data.deleted || []).forEach(function (id) { removeRow(form, id); });
          (data.failed || []).forEach(function (item) { markFailure(item.roomId || item.recordingId, item.message); });
        }, function (error) {
          batch.forEach(function (box) { markFailure(box.value, box.value + ": " + error.message); });
        }).then(function () {
          done += batch.length;
          ui.bar.value = done;
          ui.text.textContent = "Deleting " + done + " of " + total + "…";
          next(start + batchSize);
        });
      }
      next(0);
    });
  });

  function removeRow(form, id) {
    form.querySelectorAll("tr[data-row]").forEach(function (row) {
      if (row.getAttribute("data-row") === id) {
        row.classList.add("removed");
        var box = row.querySelector("input[type=checkbox]");
        if (box) { box.checked = false; box.disabled = true; }
      }
    });
  }

  /* --- ZIP download with progress ---------------------------------------------------------- */

  function downloadZip(form, button) {
    var boxes = selected(form, "recording_ids");
    if (!boxes.length) {
      window.alert("Select at least one recording first.");
      return;
    }
    var expected = boxes.reduce(function (sum, box) { return sum + (parseInt(box.getAttribute("data-size"), 10) || 0); }, 0);
    var ui = progressPanel(form);
    ui.failures.innerHTML = "";
    ui.bar.max = 100;
    ui.bar.value = 0;
    ui.text.textContent = "Preparing the ZIP…";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken);
    boxes.forEach(function (box) { body.append("recording_ids", box.value); });
    fetch(button.getAttribute("formaction"), {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken },
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      var reader = response.body.getReader();
      var chunks = [];
      var received = 0;
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) return;
          chunks.push(step.value);
          received += step.value.length;
          var percent = expected ? Math.min(99, Math.round(received * 100 / expected)) : 50;
          ui.bar.value = percent;
          ui.text.textContent = "Downloading " + formatBytes(received) + (expected ? " of about " + formatBytes(expected) : "") + "…";
          return pump();
        });
      }
      return pump().then(function () {
        var blob = new Blob(chunks, { type: "application/zip" });
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = "recordings.zip";
        document.body.appendChild(link);
        link.click();
        window.setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 10000);
        ui.bar.value = 100;
        ui.text.textContent = "ZIP ready: " + formatBytes(received) + ", " + boxes.length + " recording(s).";
      });
    }).catch(function (error) {
      ui.text.textContent = "Download failed: " + error.message;
    }).then(function () {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  }

  /* --- Share links: <form data-share> ------------------------------------------------------ */

  document.querySelectorAll("form[data-share]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new FormData(form);
      if (event.submitter) body.append(event.submitter.name, event.submitter.value);
      postForm(form.action, body).then(function (data) {
        var result = document.querySelector("[data-share-result]");
        result.hidden = false;
        var input = result.querySelector("input");
        input.value = data.url;
        result.querySelector("label").textContent = (data.private ? "Private" : "Public") + " share link";
        input.focus();
        input.select();
        announce("Share link ready");
      }, function (error) {
        window.alert("Could not get a share link: " + error.message);
      });
    });
  });

  /* --- Theme editor: colour pickers beside the hex fields, live preview -------------------- */

  var editor = document.querySelector("[data-theme-editor]");
  if (editor) {
    var preview = editor.querySelector("[data-theme-preview]");
    var variables = {
      background_color: "--tp-bg", primary_color: "--tp-primary", secondary_color: "--tp-secondary",
      accent_color: "--tp-accent", surface_color: "--tp-surface",
    };
    var HEX = /^#([0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
    function sixDigits(value) {
      if (!HEX.test(value)) return null;
      var hex = value.slice(1);
      if (hex.length <= 4) hex = hex.slice(0, 3).split("").map(function (c) { return c + c; }).join("");
      return "#" + hex.slice(0, 6).toLowerCase();
    }
    function refresh() {
      Object.keys(variables).forEach(function (name) {
        var input = editor.querySelector('[name="' + name + '"]');
        if (input && HEX.test(input.value)) preview.style.setProperty(variables[name], input.value);
        else preview.style.removeProperty(variables[name]);
      });
      var base = editor.querySelector('[name="base_theme"]');
      preview.classList.toggle("dark", base && base.value === "dark");
    }
    editor.querySelectorAll("input[data-colour]").forEach(function (input) {
      var picker = document.createElement("input");
      picker.type = "color";
      picker.setAttribute("aria-label", "Pick " + (input.labels[0] ? input.labels[0].textContent : "colour"));
      picker.value = sixDigits(input.value) || "#000000";
      var row = document.createElement("div");
      row.className = "colour-row";
      input.parentNode.insertBefore(row, input);
      row.appendChild(picker);
      row.appendChild(input);
      picker.addEventListener("input", function () { input.value = picker.value; refresh(); });
      input.addEventListener("input", function () {
        var six = sixDigits(input.value);
        if (six) picker.value = six;
        refresh();
      });
    });
    editor.addEventListener("change", refresh);
    refresh();
  }
})();
