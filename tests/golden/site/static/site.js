/* relreg site: filters the releases table in the browser; no network requests. */
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var table = document.getElementById("releases-table");
  if (!form || !table) {
    return;
  }
  var text = document.getElementById("filter-text");
  var milestone = document.getElementById("filter-milestone");
  var channel = document.getElementById("filter-channel");
  var rejected = document.getElementById("show-rejected");
  var count = document.getElementById("filter-count");
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr.release-row"));
  var empty = table.querySelector("tbody tr.empty-row");
  var kinds = Array.prototype.slice.call(form.querySelectorAll('input[name="kind"]'));

  function apply() {
    var words = text.value.toLowerCase().split(/\s+/).filter(Boolean);
    var wanted = kinds.filter(function (k) { return k.checked; }).map(function (k) { return k.value; });
    var ms = milestone.value;
    var ch = channel.value;
    var showRejected = !!(rejected && rejected.checked);
    var shown = 0;
    var total = 0;
    rows.forEach(function (row) {
      var isRejected = row.getAttribute("data-rejected") === "true";
      var search = row.getAttribute("data-search") || "";
      var reached = (row.getAttribute("data-milestones") || "").split(" ");
      var match =
        words.every(function (w) { return search.indexOf(w) !== -1; }) &&
        wanted.indexOf(row.getAttribute("data-kind")) !== -1 &&
        (!ms || reached.indexOf(ms) !== -1) &&
        (!ch || row.getAttribute("data-channel") === ch);
      row.hidden = !match;
      // Rejected rows follow the toggle (CSS does too; this covers browsers without :has).
      if (isRejected && !showRejected) {
        row.style.display = "none";
      } else {
        row.style.display = "";
      }
      if (!isRejected || showRejected) {
        total += 1;
        if (match) {
          shown += 1;
        }
      }
    });
    if (empty) {
      empty.hidden = shown !== 0;
    }
    if (count) {
      count.textContent = shown === total
        ? total + (total === 1 ? " release" : " releases")
        : "Showing " + shown + " of " + total + " releases";
    }
  }

  function fromQuery() {
    var params = new URLSearchParams(window.location.search);
    if (params.has("q")) {
      text.value = params.get("q");
    }
    if (params.has("milestone")) {
      milestone.value = params.get("milestone");
    }
    if (params.has("channel")) {
      channel.value = params.get("channel");
    }
    if (params.has("kind")) {
      var only = params.getAll("kind");
      kinds.forEach(function (k) { k.checked = only.indexOf(k.value) !== -1; });
    }
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  if (rejected) {
    rejected.addEventListener("change", apply);
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA");
    if (event.key === "/" && !typing) {
      event.preventDefault();
      text.focus();
    }
  });
  fromQuery();
  apply();
})();
