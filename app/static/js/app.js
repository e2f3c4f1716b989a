// Loaded in <head> without `defer` (templates/base.html): it runs before the body is parsed,
// and its listeners sit on the document, so they are in place before any form exists. A
// deferred script would let a quick user (or a test) change a form before it had attached.

// Asks before a destructive form is sent: every form with data-confirm. A POST form already
// on its way is not sent again by a double click (a decision or a note would be saved twice);
// the buttons stay enabled, so the clicked one still sends its name. A form whose answer is a
// download leaves the page in place: after a few seconds it can be sent again.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if ((form.getAttribute("method") || "").toLowerCase() !== "post") return;
  var sent = Number(form.getAttribute("data-sent") || 0);
  if (sent && Date.now() - sent < 5000) {
    event.preventDefault();
    return;
  }
  form.setAttribute("data-sent", String(Date.now()));
});
// Back to a page from the browser's cache: its forms can be sent again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-sent]").forEach(function (form) {
    form.removeAttribute("data-sent");
  });
});

// Reply templates: choosing one fills the summary (the server does the same without script).
document.addEventListener("change", function (event) {
  var select = event.target;
  if (select.name !== "template_key") return;
  var form = select.form;
  var templates = JSON.parse(form.getAttribute("data-templates") || "{}");
  var body = templates[select.value];
  if (body === undefined) return;
  form.querySelector("textarea[name=summary]").value =
    body.split("{title}").join(form.getAttribute("data-title") || "");
});

// Calendar month grid: the arrow keys move between days (Home/End: the week's ends). Without
// script every touchpoint is still a link in reading order.
document.addEventListener("keydown", function (event) {
  var steps = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
  var cell = event.target.closest && event.target.closest("table[data-calendar] td");
  if (!cell || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  var row = cell.parentElement;
  var rows = Array.prototype.slice.call(row.parentElement.rows);
  var r = rows.indexOf(row);
  var c = cell.cellIndex;
  if (steps[event.key]) {
    r += steps[event.key][0];
    c += steps[event.key][1];
    if (c < 0 && r > 0) { r -= 1; c = 6; }
    if (c > 6 && r < rows.length - 1) { r += 1; c = 0; }
  } else if (event.key === "Home") {
    c = 0;
  } else if (event.key === "End") {
    c = 6;
  } else {
    return;
  }
  var target = rows[r] && rows[r].cells[c];
  if (!target) return;
  event.preventDefault();
  var link = target.querySelector("a");
  if (link) {
    link.focus();
  } else {
    target.setAttribute("tabindex", "-1");
    target.focus();
  }
});
