// Version switcher, search box and scroll hints of wide tables. Works from file://
// (versions.js sets PMOVALUE_VERSIONS).
(function () {
  "use strict";
  var body = document.body;
  var version = body.dataset.version, page = body.dataset.page, root = body.dataset.root || "";

  function switcher() {
    var select = document.getElementById("version-switcher");
    var versions = window.PMOVALUE_VERSIONS || [];
    if (!select || !versions.length) return;
    select.textContent = "";
    versions.forEach(function (v) {
      var opt = document.createElement("option");
      opt.value = v.path;
      opt.textContent = v.version + (v.kind === "scenario" ? " (scenario)" : "") +
        ((v.aliases || []).indexOf("latest") >= 0 ? " (latest)" : "");
      if (v.version === version) opt.selected = true;
      select.appendChild(opt);
    });
    select.addEventListener("change", function () {
      // The same page in the other version: root/../<path>/<page>.
      location.href = root + "../" + select.value + page;
    });
  }

  var NO_SEARCH = "Search needs the site served over HTTP";
  var NO_SEARCH_TITLE = "Search works when the site is served (pmovalue serve or any web server)";

  // Pages built by Quarto: its search reads search.json, which browsers refuse from file://.
  // Runs (deferred) before Quarto's search sets itself up on DOMContentLoaded, which then
  // finds no #quarto-search and leaves it alone.
  function quartoSearchFromFile() {
    var box = document.getElementById("quarto-search");
    if (!box || location.protocol !== "file:") return;
    var note = document.createElement("input");
    note.type = "search";
    note.disabled = true;
    note.className = "pmovalue-no-search form-control form-control-sm";
    note.placeholder = NO_SEARCH;
    note.title = NO_SEARCH_TITLE;
    note.setAttribute("aria-label", NO_SEARCH);
    box.replaceWith(note);
  }

  function search() {
    var input = document.getElementById("search-input");
    var out = document.getElementById("search-results");
    if (!input) return;
    if (location.protocol === "file:") {
      input.disabled = true;
      input.placeholder = NO_SEARCH;
      input.title = NO_SEARCH_TITLE;
      return;
    }
    var bundle = document.getElementById("search").dataset.bundle;
    var pagefind = null;
    input.addEventListener("input", async function () {
      var q = input.value.trim();
      if (!q) { out.textContent = ""; return; }
      try {
        if (!pagefind) {
          pagefind = await import(new URL(bundle + "pagefind.js", location.href).href);
          await pagefind.options({ baseUrl: new URL(root || "./", location.href).pathname });
        }
        var res = await pagefind.search(q);
        var items = await Promise.all(res.results.slice(0, 8).map(function (r) { return r.data(); }));
        out.textContent = "";
        if (!items.length) { out.textContent = "No results for " + q; return; }
        items.forEach(function (d) {
          var p = document.createElement("p"), a = document.createElement("a");
          a.href = d.url; a.textContent = (d.meta && d.meta.title) || d.url;
          var s = document.createElement("div"); s.innerHTML = d.excerpt;  // pagefind escapes text
          p.appendChild(a); p.appendChild(s); out.appendChild(p);
        });
      } catch (e) {
        out.textContent = "Search is not available for this version.";
      }
    });
  }

  // A table wider than its column says so ("scroll sideways"), and shows a shadow on the side
  // that has more; rechecked when the window changes size.
  function scrollHints() {
    var wraps = document.querySelectorAll(".table-wrap");
    function mark() {
      wraps.forEach(function (w) {
        var more = w.scrollWidth > w.clientWidth + 1;
        w.classList.toggle("scrolls", more);
        w.classList.toggle("at-end", w.scrollLeft + w.clientWidth >= w.scrollWidth - 1);
      });
    }
    wraps.forEach(function (w) { w.addEventListener("scroll", mark, { passive: true }); });
    window.addEventListener("resize", mark);
    mark();
  }

  switcher();
  search();
  quartoSearchFromFile();
  scrollHints();
})();
