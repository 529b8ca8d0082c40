// accord: the one script of the pages. Puts the cursor on the first field a form got wrong.
document.addEventListener("DOMContentLoaded", () => {
  const bad = document.querySelector('[aria-invalid="true"]');
  if (bad) { bad.focus(); bad.scrollIntoView({ block: "center" }); }
});
