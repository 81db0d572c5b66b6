// Progressive enhancement for the claim explorer: a filter box for long facets.
// Without JavaScript every value stays listed and clickable.
document.querySelectorAll(".facet-filter").forEach((box) => {
  box.hidden = false;
  const items = box.parentElement.querySelectorAll(".facet-values li");
  box.addEventListener("input", () => {
    const wanted = box.value.trim().toLowerCase();
    items.forEach((item) => {
      item.hidden = wanted !== "" && !item.textContent.toLowerCase().includes(wanted);
    });
  });
});
