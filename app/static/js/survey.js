// The survey page (templates/survey/answer.html): the "what went wrong" questions show only
// once a score of 1 or 2 is chosen. Without this script they always show, with a note.
document.addEventListener("DOMContentLoaded", function () {
  var block = document.getElementById("reasons");
  if (!block) return;
  var form = block.form || block.closest("form");
  var low = (block.getAttribute("data-low-scores") || "").split(" ");
  var note = block.querySelector(".survey-note");

  function update() {
    var chosen = form.querySelector("input[name=score]:checked");
    var show = chosen !== null && low.indexOf(chosen.value) !== -1;
    // Kept when the server sent the form back with an error inside it.
    if (block.classList.contains("has-error")) show = true;
    block.hidden = !show;
    if (note) note.hidden = true;
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "score") update();
  });
  update();
});
