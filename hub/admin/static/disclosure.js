// The 公开 form's tables in the page: add and remove rows and columns without a reload, numeric
// columns right-aligned as they are typed, money cells shown as 1,234.50, and the totals check
// (the same rules as hub/admin/disclosure_tables.py, which checks again on save and is the
// authority). Without script the same buttons post the form and the hub sends it back changed.
"use strict";
(() => {
  const TOTAL_WORDS = ["合计", "总计"];
  const SUBTOTAL_WORDS = ["小计"];
  const MONEY_WORDS = ["元", "金额"];
  const NUMBER = /^[+-]?\d+(\.\d+)?$/;
  const PERCENT = /^[+-]?\d+(\.\d+)?%$/;
  const form = document.querySelector("form.disclosure-form");
  if (!form) return;

  const plain = (text) => (text || "").normalize("NFKC").replace(/[, ]/g, "").trim();
  const has = (text, words) => words.some((w) => text.includes(w));

  // a number as [BigInt of its digits, decimal places]: exact sums, like Python's Decimal
  function number(text) {
    const p = plain(text);
    if (!NUMBER.test(p)) return null;
    const [whole, frac = ""] = p.replace(/^\+/, "").split(".");
    return [BigInt(whole + frac), frac.length];
  }
  const numberish = (text) => number(text) !== null || PERCENT.test(plain(text));
  const scale = ([v, places], to) => v * 10n ** BigInt(to - places);

  // a sum as its column writes numbers: money as 1,234.50, else with its places (commas if `commas`)
  function show([v, places], money, commas) {
    const to = money ? 2 : places;
    let digits = v;
    if (money && places > 2) {  // round half away from zero, as Decimal.quantize does for money
      const cut = 10n ** BigInt(places - 2);
      const half = cut / 2n;
      digits = (v < 0n ? v - half : v + half) / cut;
    } else if (money) {
      digits = scale([v, places], 2);
    }
    const negative = digits < 0n;
    const text = (negative ? -digits : digits).toString().padStart(to + 1, "0");
    let whole = to ? text.slice(0, -to) : text;
    const frac = to ? text.slice(-to) : "";
    if (money || commas) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + whole + (to ? "." + frac : "");
  }

  function rowLabel(row) {
    for (let c = 0; c < row.length; c++) {
      const cell = row[c];
      if (cell.trim()) {
        if (has(cell, TOTAL_WORDS)) return [c, "total"];
        if (has(cell, SUBTOTAL_WORDS)) return [c, "subtotal"];
        return [c, ""];
      }
    }
    return [-1, ""];
  }

  function numericColumns(width, rows) {
    const seen = Array(width).fill(false);
    const bad = Array(width).fill(false);
    rows.forEach((row) => {
      const [labelAt, kind] = rowLabel(row);
      row.forEach((cell, c) => {
        if (!cell.trim() || (kind && c === labelAt)) return;
        if (numberish(cell)) seen[c] = true;
        else bad[c] = true;
      });
    });
    return seen.map((s, c) => s && !bad[c]);
  }

  // {"r.c": expected text} over the non-blank rows (their indexes in `rows`)
  // money: a numeric column headed 元 / 金额 with an amount in cents (a decimal point)
  const moneyColumns = (columns, numeric, rows) => columns.map((h, c) => numeric[c] && has(h, MONEY_WORDS)
    && rows.some((row) => plain(row[c]).includes(".") && number(row[c]) !== null));

  function totalsProblems(columns, rows, numeric) {
    const money = moneyColumns(columns, numeric, rows);
    const found = {};
    let sinceTotal = [];
    let sinceSub = [];
    rows.forEach((row, r) => {
      if (!row.some((cell) => cell.trim())) return;
      const [labelAt, kind] = rowLabel(row);
      if (!kind) {
        sinceTotal.push(row);
        sinceSub.push(row);
        return;
      }
      const covered = kind === "total" ? sinceTotal : sinceSub;
      for (let c = labelAt + 1; c < columns.length; c++) {
        const written = number(row[c]);
        if (!numeric[c] || written === null) continue;
        const cells = covered.map((d) => d[c]);
        if (cells.some((cell) => cell.trim() && number(cell) === null)) continue;
        const parsed = [...cells.map(number).filter(Boolean), written];
        const places = Math.max(...parsed.map((n) => n[1]));
        const sum = cells.map(number).filter(Boolean).reduce((acc, n) => acc + scale(n, places), 0n);
        const commas = [...cells, row[c]].some((cell) => cell.includes(","));
        if (sum !== scale(written, places)) found[`${r}.${c}`] = show([sum, places], money[c], commas);
      }
      sinceSub = [];
      if (kind === "total") sinceTotal = [];
    });
    return found;
  }

  const cellsOf = (table) => [...table.tBodies[0].rows].map((tr) => [...tr.querySelectorAll("td > input")]);
  const headersOf = (table) => [...table.querySelectorAll("tr.head td > input")];

  function check(table) {
    const columns = headersOf(table).map((i) => i.value);
    const inputs = cellsOf(table);
    const rows = inputs.map((row) => row.map((i) => i.value));
    const numeric = numericColumns(columns.length, rows.filter((row) => row.some((cell) => cell.trim())));
    const problems = totalsProblems(columns, rows, numeric);
    [...table.tBodies[0].rows].forEach((tr, r) => tr.classList.toggle("total-row", rowLabel(rows[r])[1] !== ""));
    inputs.forEach((row, r) => row.forEach((input, c) => {
      input.classList.toggle("numeric", numeric[c]);
      if (numeric[c]) input.setAttribute("inputmode", "decimal");
      else input.removeAttribute("inputmode");
      const cell = input.parentElement;
      cell.querySelectorAll(".cell-error").forEach((el) => el.remove());
      const expected = problems[`${r}.${c}`];
      if (expected === undefined) {
        input.removeAttribute("aria-invalid");
        return;
      }
      input.setAttribute("aria-invalid", "true");
      const note = document.createElement("span");
      note.className = "cell-error";
      note.setAttribute("role", "alert");
      note.textContent = form.dataset.totalsMessage.replace("__SUM__", expected);
      cell.appendChild(note);
    }));
    return numeric;
  }

  // names and button values from the grid's shape: blocks.N.h.C, blocks.N.a.C, blocks.N.c.R.C
  function renumber(table) {
    const n = table.dataset.grid;
    const key = `blocks.${n}.`;
    const tools = [...table.querySelectorAll("tr.col-tools > td")].slice(1, -1);
    tools.forEach((td, c) => {
      td.querySelector("select").name = `${key}a.${c}`;
      td.querySelector("button").value = `delcol:${n}:${c}`;
    });
    headersOf(table).forEach((input, c) => { input.name = `${key}h.${c}`; });
    [...table.tBodies[0].rows].forEach((tr, r) => {
      tr.querySelector("th.rownum").textContent = String(r + 1);
      tr.querySelectorAll("td > input").forEach((input, c) => { input.name = `${key}c.${r}.${c}`; });
      tr.querySelector("button[name=op]").value = `delrow:${n}:${r}`;
    });
    const section = table.closest("section.block");
    section.querySelector(`input[name="${key}cols"]`).value = String(headersOf(table).length);
    section.querySelector(`input[name="${key}rows"]`).value = String(table.tBodies[0].rows.length);
  }

  function blankCopy(element) {
    const copy = element.cloneNode(true);
    copy.querySelectorAll(".cell-error").forEach((el) => el.remove());
    copy.querySelectorAll("input").forEach((el) => { el.value = ""; el.removeAttribute("aria-invalid"); });
    copy.querySelectorAll("select").forEach((el) => { el.selectedIndex = 0; });
    return copy;
  }

  function change(table, what, at) {
    const body = table.tBodies[0];
    const head = table.querySelector("tr.head");
    const tools = table.querySelector("tr.col-tools");
    const width = headersOf(table).length;
    if (what === "addrow") {  // at the end, or above a closing 合计 row
      if (!body.rows.length) return false;  // an empty grid: let the hub build the row
      const last = body.rows[body.rows.length - 1];
      const closing = rowLabel([...last.querySelectorAll("td > input")].map((i) => i.value))[1] === "total";
      const row = blankCopy(last);
      row.dataset.added = "yes";
      body.insertBefore(row, closing ? last : null);
    } else if (what === "delrow") {
      body.rows[at].remove();
    } else if (what === "addcol") {
      for (const tr of [tools, head, ...body.rows]) {
        const last = tr.cells[tr.cells.length - 2];
        tr.insertBefore(blankCopy(last), tr.cells[tr.cells.length - 1]);
      }
    } else if (what === "delcol") {
      if (width < 2) return true;
      for (const tr of [tools, head, ...body.rows]) tr.cells[at + 1].remove();
    } else {
      return false;
    }
    return true;
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[name=op]");
    if (!button) return;
    const [what, n, at] = button.value.split(":");
    if (what === "clearpages") {
      form.querySelector("input[type=hidden][name=pages]").value = "";
      form.querySelector("input[type=hidden][name=pdf]").value = "";
      form.querySelector("[data-upload-pages-preview=pages]").replaceChildren();
      form.querySelector("[data-pages-count]").textContent = form.dataset.noPages || "";
      button.hidden = true;
      event.preventDefault();
      return;
    }
    const table = form.querySelector(`table.grid[data-grid="${n}"]`);
    if (!table || !["addrow", "delrow", "addcol", "delcol"].includes(what)) return;  // posted: the hub does it
    if (!change(table, what, Number(at))) return;
    event.preventDefault();
    renumber(table);
    check(table);
    const added = what === "addrow" ? [...table.tBodies[0].rows].find((tr) => tr.dataset.added === "yes") : null;
    if (added) {
      delete added.dataset.added;
      added.querySelector("td > input").focus();
    }
  });

  // Enter in a cell goes to the cell below (as in a spreadsheet) instead of saving the form
  form.addEventListener("keydown", (event) => {
    const input = event.target;
    if (event.key !== "Enter" || !(input instanceof HTMLInputElement) || !input.closest("table.grid")) return;
    event.preventDefault();
    const tr = input.closest("tr");
    const c = [...tr.querySelectorAll("td > input")].indexOf(input);
    const below = tr.closest("thead") ? input.closest("table").tBodies[0].rows[0] : tr.nextElementSibling;
    const next = below && below.querySelectorAll("td > input")[c];
    if (next) next.focus();
  });

  form.addEventListener("input", (event) => {
    const table = event.target.closest("table.grid");
    if (table) check(table);
  });

  // money cells as 1,234.50 once typed (the hub stores them so in any case)
  form.addEventListener("change", (event) => {
    const input = event.target;
    const table = input.closest("table.grid");
    if (!table || !input.classList.contains("numeric") || input.closest("tr.head")) return;
    const c = [...input.closest("tr").querySelectorAll("td > input")].indexOf(input);
    const columns = headersOf(table).map((i) => i.value);
    const rows = cellsOf(table).map((row) => row.map((i) => i.value));
    const money = moneyColumns(columns, columns.map((_h, n) => n === c), rows);
    const value = number(input.value);
    if (value && money[c]) input.value = show(value, true, true);
    check(table);
  });

  form.addEventListener("upload:done", (event) => {
    if (!Array.isArray(event.detail.pages)) return;
    const count = form.querySelector("[data-pages-count]");
    if (count) count.textContent = form.dataset.pagesText.replace("__N__", event.detail.pages.length);
    const clear = form.querySelector("button[name=op][value=clearpages]");
    if (clear) clear.hidden = event.detail.pages.length === 0;
  });

  form.querySelectorAll("table.grid").forEach(check);
})();
