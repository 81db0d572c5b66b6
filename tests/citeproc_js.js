// Renders CSL-JSON items with citeproc-js, the CSL processor of Zotero and Mendeley, for the
// citation tests (tests/test_citation_exports.py). Reads {items, styles: {name: CSL XML},
// locale: en-US locale XML} on stdin; writes {name: [bibliography entry as plain text]}.
const CSL = require("citeproc");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { items, styles, locale } = JSON.parse(input);
  const byId = Object.fromEntries(items.map((item) => [item.id, item]));
  const rendered = {};
  for (const [name, style] of Object.entries(styles)) {
    const engine = new CSL.Engine(
      { retrieveLocale: () => locale, retrieveItem: (id) => byId[id] },
      style,
      "en-US",
    );
    engine.setOutputFormat("text");
    const entries = [];
    for (const item of items) {
      // One item at a time, in the order given, as the Cite box renders each.
      engine.updateItems([item.id]);
      entries.push(engine.makeBibliography()[1].join("").trim());
    }
    rendered[name] = entries;
  }
  process.stdout.write(JSON.stringify(rendered));
});
