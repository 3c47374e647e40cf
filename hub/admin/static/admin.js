// The staff pages work without script; this only makes a whole list row open its item.
"use strict";
document.addEventListener("click", (event) => {
  const row = event.target.closest("tr.clickable");
  if (!row || event.target.closest("a, button, input, select")) return;
  const href = row.dataset.href;
  if (href && href.startsWith("/admin/")) window.location.assign(href);
});
