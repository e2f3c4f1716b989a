// Export schedules (templates/exports/). Without script every part still works: the form
// shows every kind's filters and every timing field (only those of the chosen kind and
// frequency are used), its preview is computed by the server when the page is drawn, and
// the run history shows the progress as of the page load.

// The schedule form: show the fields that apply, and preview the next runs as they change.
(function () {
  var form = document.querySelector("form[data-exp-form]");
  if (!form) return;
  var kind = form.querySelector("select[name=kind]");
  var format = form.querySelector("select[name=file_format]");
  var frequency = form.querySelector("select[name=frequency]");
  var formats = JSON.parse(form.getAttribute("data-formats") || "{}");

  function showOnly(attribute, value) {
    form.querySelectorAll("[" + attribute + "]").forEach(function (el) {
      var wanted = el.getAttribute(attribute).split(" ");
      el.hidden = wanted.indexOf(value) === -1;
    });
  }

  // A kind offers its own formats only (PDF for the portfolio brief, CSV or XLSX for lists).
  function limitFormats() {
    var allowed = formats[kind.value] || [];
    var first = null;
    Array.prototype.forEach.call(format.options, function (option) {
      var ok = allowed.indexOf(option.value) !== -1;
      option.disabled = !ok;
      if (ok && first === null) first = option.value;
    });
    if (allowed.indexOf(format.value) === -1 && first !== null) format.value = first;
  }

  function refresh() {
    limitFormats();
    showOnly("data-filters-kind", kind.value);
    showOnly("data-show-kind", kind.value);
    showOnly("data-show-format", format.value);
    showOnly("data-show-frequency", frequency.value);
  }

  var box = document.getElementById("exp-preview");
  var timingFields = ["frequency", "weekday", "month_day", "cron", "run_time", "timezone"];
  var timer = null;
  var asked = 0;

  function part(name) {
    return box.querySelector("[data-preview=" + name + "]");
  }

  function show(answer) {
    var runs = part("runs");
    runs.textContent = "";
    part("reading").textContent = answer.ok ? answer.reading : "";
    part("error").hidden = answer.ok;
    part("error").textContent = answer.ok ? "" : answer.error;
    part("zone").hidden = !answer.ok;
    part("heading").hidden = !answer.ok;
    if (!answer.ok) return;
    answer.runs.forEach(function (run) {
      var item = document.createElement("li");
      var time = document.createElement("time");
      time.setAttribute("datetime", run.at);
      time.textContent = run.text;
      item.appendChild(time);
      runs.appendChild(item);
    });
    var zone = part("zone");
    zone.textContent = zone.getAttribute("data-template")
      ? zone.getAttribute("data-template").replace("%(zone)s", answer.zone)
      : zone.textContent;
  }

  function preview() {
    var query = new URLSearchParams();
    timingFields.forEach(function (name) {
      var field = form.elements[name];
      if (field) query.set(name, field.value);
    });
    var mine = ++asked;
    fetch(form.getAttribute("data-preview-url") + "?" + query.toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) { if (mine === asked) show(answer); })
      .catch(function () { /* the preview is a help; the server checks on save */ });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(preview, 300);
  }

  form.addEventListener("change", function (event) {
    if (event.target === kind || event.target === format || event.target === frequency) refresh();
    if (box && timingFields.indexOf(event.target.name) !== -1) later();
  });
  form.addEventListener("input", function (event) {
    if (box && (event.target.name === "cron" || event.target.name === "month_day" || event.target.name === "run_time")) later();
  });
  refresh();
})();

// A run in progress: its rows so far, polled until it is done (then its file link).
(function () {
  var rows = document.querySelectorAll("tr[data-progress-url]");
  if (!rows.length) return;

  function cell(row, name) {
    return row.querySelector("[data-cell=" + name + "]");
  }

  function update(row, state) {
    var status = cell(row, "status");
    if (status) {
      status.textContent = state.status_label;
      status.className = "badge badge-run-" + state.status;
    }
    var count = cell(row, "rows");
    if (count) {
      count.textContent = state.pages_text || Number(state.rows).toLocaleString();
    }
    if (state.finished_text) cell(row, "finished").textContent = state.finished_text;
    if (state.error) cell(row, "error").textContent = state.error;
    if (state.size_text) cell(row, "size").textContent = state.size_text;
    if (state.sha256) {
      var code = document.createElement("code");
      code.title = state.sha256;
      code.textContent = state.sha256.slice(0, 12) + "\u2026";
      var sha = cell(row, "sha256");
      sha.textContent = "";
      sha.appendChild(code);
    }
    var replaced = cell(row, "replaced");
    if (replaced && state.replaced) replaced.textContent = state.replaced;
    if (state.download_url) {
      var file = cell(row, "file");
      var link = document.createElement("a");
      link.href = state.download_url;
      link.setAttribute("download", "");
      link.textContent = state.file_name;
      file.textContent = "";
      file.appendChild(link);
    }
  }

  function poll(row) {
    fetch(row.getAttribute("data-progress-url"), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        update(row, state);
        if (state.finished) {
          row.removeAttribute("data-progress-url");
        } else if (state.status === "retrying") {
          // Tried again minutes from now: look again at a slower pace.
          setTimeout(function () { poll(row); }, 30000);
        } else {
          setTimeout(function () { poll(row); }, 2000);
        }
      })
      .catch(function () { setTimeout(function () { poll(row); }, 10000); });
  }

  rows.forEach(function (row) { setTimeout(function () { poll(row); }, 1000); });
})();
