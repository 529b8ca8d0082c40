// accord: the one script of the pages. Puts the cursor on the first field a form got wrong,
// and "/" (outside a field) jumps to the search box in the header.
document.addEventListener("DOMContentLoaded", () => {
  const bad = document.querySelector('[aria-invalid="true"]');
  if (bad) { bad.focus(); bad.scrollIntoView({ block: "center" }); }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  const box = document.querySelector('header form.search input[name="q"]');
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});
