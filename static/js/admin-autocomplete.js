"use strict";
// Django's autocomplete widgets (select2 4.0) leave their combobox and search boxes unnamed, so
// a screen reader can't say which field they are, and axe-core refuses them (issue #26). Each
// widget takes the name of the select it stands for: its label, or in a row of a table, the
// aria-label the server gives it (core.admin.LabelledRowsFormSet).
{
  const $ = window.django && window.django.jQuery;

  function nameWidget(select) {
    const widget = select.nextElementSibling; // select2 puts its widget right after the select
    const holderId = `${select.id}-name`;
    if (!widget || !widget.classList.contains("select2") || document.getElementById(holderId)) {
      return;
    }
    const label = select.labels[0];
    const holder = document.createElement("span");
    holder.id = holderId;
    holder.hidden = true;
    holder.textContent = (label ? label.textContent : select.getAttribute("aria-label") || "")
      .replace(/:\s*$/, "")
      .trim();
    widget.append(holder);
    // The combobox, the box showing a single choice, and a multiple one's search box.
    const named = widget.querySelectorAll(
      ".select2-selection, .select2-selection__rendered[role=textbox], .select2-search__field",
    );
    named.forEach((element) => element.setAttribute("aria-labelledby", holderId));
    // Open, the combobox must say which list it controls (select2 4.0 says it owns it), and a
    // single choice's search box, in the list, is named too.
    const combobox = widget.querySelector(".select2-selection");
    $(select).on("select2:open", () => {
      combobox.setAttribute("aria-controls", combobox.getAttribute("aria-owns"));
      document
        .querySelectorAll(".select2-container--open .select2-search--dropdown .select2-search__field")
        .forEach((element) => element.setAttribute("aria-labelledby", holderId));
    });
    $(select).on("select2:close", () => combobox.removeAttribute("aria-controls"));
  }

  function nameWidgetsIn(element) {
    element.querySelectorAll("select.admin-autocomplete").forEach(nameWidget);
  }

  // Before the widgets are made (this script is deferred: it runs before the page is ready): a
  // multiple widget's "remove all" cross would stand in its list of choices, where only items
  // may (axe-core's list rule), and each choice has its own remove button.
  document.querySelectorAll("select.admin-autocomplete[multiple]").forEach((select) => {
    select.dataset.allowClear = "false";
  });

  if ($) {
    // After Django's autocomplete.js, which makes the widgets when the page is ready, and again
    // in each row added to an inline.
    $(() => nameWidgetsIn(document));
    document.addEventListener("formset:added", (event) => nameWidgetsIn(event.target));
  }
}
