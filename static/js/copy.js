// Copy buttons for the Cite box. Without JavaScript the buttons stay hidden and the fields
// can be selected and copied by hand.
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
