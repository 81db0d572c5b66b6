// Copy buttons for the Cite box. Without JavaScript the buttons stay hidden and the fields
// can be selected and copied by hand.
document.querySelectorAll(".copy-button").forEach((button) => {
  const source = button.parentElement.querySelector(".copy-source");
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.value);
      button.textContent = "Copied";
    } catch {
      source.select();
      button.textContent = "Press Ctrl+C";
    }
    setTimeout(() => { button.textContent = "Copy"; }, 2000);
  });
});
