// Loaded in <head> without `defer` (templates/base.html): it runs before the body is parsed,
// and its listeners sit on the document, so they are in place before any form exists. A
// deferred script would let a quick user (or a test) change a form before it had attached.

// Asks before a destructive form is sent: every form with data-confirm.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
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
