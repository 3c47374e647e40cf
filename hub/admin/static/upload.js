// File fields of the edit forms (templates/_upload.html): the chosen file is sent at once to
// POST /admin/files with the form's CSRF token; the answer's hash goes into the hidden input the
// form saves, and the stored result (the resized image, or the PDF's rendered pages) is shown.
"use strict";
(() => {
  const byName = (form, name) => form.querySelector(`input[type=hidden][name="${CSS.escape(name)}"]`);

  function pageImages(box, urls) {
    box.replaceChildren(...urls.map((url, n) => {
      const img = document.createElement("img");
      img.src = url;
      img.alt = `${n + 1}`;
      img.className = "upload-page";
      return img;
    }));
  }

  async function send(input) {
    const form = input.form;
    const name = input.dataset.upload;
    const status = form.querySelector(`[data-upload-status="${CSS.escape(name)}"]`);
    const say = (text, failed) => {
      if (!status) return;
      status.textContent = text;
      status.classList.toggle("error", Boolean(failed));
    };
    if (!input.files.length) return;
    const body = new FormData();
    body.append("csrf", form.querySelector("input[name=csrf]").value);
    body.append("file", input.files[0]);
    say(input.dataset.busy);
    input.disabled = true;
    let answer;
    try {
      const reply = await fetch("/admin/files", { method: "POST", body, credentials: "same-origin" });
      answer = await reply.json();
      if (!reply.ok) throw new Error(answer.message || input.dataset.failed);
    } catch (error) {
      say(error instanceof SyntaxError || error instanceof TypeError ? input.dataset.failed : error.message, true);
      input.disabled = false;
      return;
    }
    input.disabled = false;
    const wanted = input.dataset.kind;  // "image" or "pdf": what the field takes
    if (wanted && (wanted === "pdf") !== Array.isArray(answer.pages)) {
      say(input.dataset.wrongKind, true);
      return;
    }
    byName(form, name).value = answer.sha256;
    const preview = form.querySelector(`img[data-upload-preview="${CSS.escape(name)}"]`);
    if (preview && answer.url && !answer.pages) {
      preview.src = answer.url;
      preview.hidden = false;
    }
    const pagesName = input.dataset.pages;
    if (pagesName && answer.pages) {
      byName(form, pagesName).value = answer.pages.join(",");
      const box = form.querySelector(`[data-upload-pages-preview="${CSS.escape(pagesName)}"]`);
      if (box) pageImages(box, answer.page_urls);
    }
    const size = answer.width ? ` ${answer.width}×${answer.height}` : ` ${answer.pages.length}`;
    say(input.dataset.done + size);
    input.dispatchEvent(new CustomEvent("upload:done", { detail: answer, bubbles: true }));
  }

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.type === "file" && input.dataset.upload) send(input);
  });
})();
