// The completion form's "Add a row": a copy of the last next-step row with the next index
// (steps-5-text, ...), its text emptied. Without script the form has its five rows and works as is.
(function () {
  var button = document.querySelector("[data-add-step]");
  if (!button) return;
  var rows = document.querySelector("[data-step-rows]");
  var max = parseInt(button.getAttribute("data-max"), 10) || 20;
  button.hidden = false;
  button.addEventListener("click", function () {
    var all = rows.querySelectorAll("[data-step-row]");
    if (all.length >= max) return;
    var last = all[all.length - 1];
    var copy = last.cloneNode(true);
    var index = all.length;
    var renumber = function (value) {
      return value.replace(/^steps-\d+-/, "steps-" + index + "-");
    };
    copy.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attribute) {
        if (el.hasAttribute(attribute)) el.setAttribute(attribute, renumber(el.getAttribute(attribute)));
      });
      el.removeAttribute("aria-describedby");
      el.removeAttribute("aria-invalid");
      // The step's text is new; its owner and due date start as the row above had them.
      if (el.tagName === "INPUT" && el.type === "text") el.value = "";
    });
    copy.querySelectorAll(".error, .help, [id$='-error']").forEach(function (el) {
      el.remove();
    });
    copy.querySelectorAll(".has-error").forEach(function (el) {
      el.classList.remove("has-error");
    });
    var legend = copy.querySelector("legend");
    if (legend) legend.textContent = legend.textContent.replace(/\d+/, String(index + 1));
    rows.appendChild(copy);
    if (index + 1 >= max) button.hidden = true;
    var first = copy.querySelector("input");
    if (first) first.focus();
  });
})();
