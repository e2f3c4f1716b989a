// Knowledge notes suggested while a new escalation is typed (templates/escalations/form.html).
// The container [data-knowledge-suggest] holds the suggestions' address and heading; as the
// title, description or tags change, the notes most like them are asked for (GET, JSON) and
// listed there. Without script nothing is lost: once the escalation is raised, its page lists
// the same kind of notes ("Knowledge notes that may help").
(function () {
  var box = document.querySelector("[data-knowledge-suggest]");
  if (!box) return;
  var description = document.querySelector("form [name=description]");
  var form = box.closest("form") || (description && description.form);
  if (!form) return;
  var url = box.getAttribute("data-knowledge-suggest");
  var heading = box.getAttribute("data-heading") || "";
  var names = ["title", "description", "tags"];
  // The words go in the URL: a Japanese character takes 9 bytes there, and gunicorn refuses a
  // request line over 4,094 bytes (414), so the start of what was typed is enough.
  var MAX_CHARS = 300;
  var timer = null;
  var asked = 0;
  var lastText = null;

  function typed() {
    return names
      .map(function (name) {
        var field = form.elements.namedItem(name);
        return field && field.value ? field.value : "";
      })
      .join("\n")
      .trim()
      .slice(0, MAX_CHARS);
  }

  function show(notes) {
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!notes.length) {
      box.hidden = true;
      return;
    }
    var title = document.createElement("h2");
    title.textContent = heading;
    box.appendChild(title);
    var list = document.createElement("ul");
    notes.forEach(function (note) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = note.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = note.title;
      item.appendChild(link);
      if (note.snippet) {
        var snippet = document.createElement("p");
        snippet.className = "small muted";
        snippet.textContent = note.snippet;
        item.appendChild(snippet);
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    box.hidden = false;
  }

  function ask() {
    var text = typed();
    if (text === lastText) return;
    lastText = text;
    if (text.length < 2) {
      show([]);
      return;
    }
    var mine = ++asked;
    fetch(url + "?q=" + encodeURIComponent(text), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { notes: [] };
      })
      .then(function (found) {
        if (mine === asked) show(found.notes || []);
      })
      .catch(function () {
        /* suggestions are a help: a failed request leaves the form as it is */
      });
  }

  form.addEventListener("input", function (event) {
    if (names.indexOf(event.target.name) === -1) return;
    clearTimeout(timer);
    timer = setTimeout(ask, 350);
  });
  ask(); // a form shown again after an error already has text
})();
