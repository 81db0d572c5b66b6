// The Cite box: copy buttons and the choice of a citation style. Without JavaScript the buttons
// stay hidden, every style is listed, and the fields can be selected and copied by hand.
document.querySelectorAll(".copy-button").forEach((button) => {
  const source = button.parentElement.querySelector(".copy-source");
  button.hidden = false;
  button.addEventListener("click", () => {
    // Copy the selection: it works from any page, where the async Clipboard API needs a
    // secure context and a focused document.
    source.focus();
    source.select();
    const copied = document.execCommand("copy");
    button.textContent = copied ? "Copied" : "Press Ctrl+C";
    setTimeout(() => { button.textContent = "Copy"; }, 2000);
  });
});

// One citation at a time, in the style last chosen on any page.
document.querySelectorAll(".cite-style-select").forEach((select) => {
  const box = select.closest(".citations");
  const rows = box.querySelectorAll(".cite-row[data-style]");
  const show = () => rows.forEach((row) => { row.hidden = row.dataset.style !== select.value; });
  const saved = localStorage.getItem("cite-style");
  if (saved && select.querySelector(`option[value="${CSS.escape(saved)}"]`)) select.value = saved;
  select.closest(".cite-style").hidden = false;
  show();
  select.addEventListener("change", () => {
    localStorage.setItem("cite-style", select.value);
    show();
  });
});
