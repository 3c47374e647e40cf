// The staff forms' row lists (templates/_rows.html, hub/admin/rows.py) in the page: "move up",
// "remove" and "add a row" without a reload. Without script the same buttons post the form and
// the hub sends it back changed. A form opts in with the class rows-form.
"use strict";

function renumber(fieldset) {
  const list = fieldset.dataset.list;
  const rows = fieldset.querySelectorAll("ol > li.row");
  const named = new RegExp("^" + list.replace(".", "\\.") + "\\.\\d+");
  rows.forEach((row, n) => {
    row.querySelectorAll("[name]").forEach((el) => {
      if (el.name === "move" || el.name === "remove") el.value = list + "." + n;
      else el.name = el.name.replace(named, list + "." + n);
    });
    const up = row.querySelector("button[name=move]");
    if (up) up.hidden = n === 0;
  });
  fieldset.querySelector("input[name='" + list + ".count']").value = String(rows.length);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest(".rows-form fieldset.rows button");
  if (!button) return;
  const fieldset = button.closest("fieldset.rows");
  const row = button.closest("li.row");
  if (button.name === "move" && row && row.previousElementSibling) {
    row.parentNode.insertBefore(row, row.previousElementSibling);
  } else if (button.name === "remove" && row) {
    row.remove();
  } else if (button.classList.contains("add-row")) {
    const rows = fieldset.querySelectorAll("ol > li.row");
    const copy = rows[rows.length - 1].cloneNode(true);
    copy.querySelectorAll("button[name=move], button[name=remove], .field-error").forEach((el) => el.remove());
    copy.querySelectorAll("input, textarea").forEach((el) => { el.value = ""; el.removeAttribute("aria-invalid"); });
    copy.querySelectorAll("select").forEach((el) => { el.selectedIndex = 0; });
    fieldset.querySelector("ol").appendChild(copy);
  } else {
    return;
  }
  event.preventDefault();
  renumber(fieldset);
});

document.querySelectorAll(".rows-form button.add-row").forEach((b) => { b.hidden = false; });
