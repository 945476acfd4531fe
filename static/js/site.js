/* Starts the Europa Component Library (ECL) components marked with data-ecl-auto-init, and
   the site's few behaviours. Loaded with defer after vendor/ecl/scripts/ecl-eu.js; no inline
   script anywhere (CSP). Every page works without it. */
"use strict";

/* ECL's convention: <html class="no-js"> until JavaScript runs; its CSS (and site.css) show
   the no-JavaScript fallbacks under .no-js. */
document.documentElement.classList.remove("no-js");

/* After a failed submit, focus goes to the error summary ("There is a problem"), so that a
   screen reader reads it and the next Tab reaches its links; a link moves focus to its field. */
function focusErrorSummary() {
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target) {
      return;
    }
    /* A group of choices (a fieldset) focuses its first box. */
    var focusable = target.matches("input, select, textarea, button")
      ? target
      : target.querySelector("input, select, textarea, button");
    if (focusable) {
      event.preventDefault();
      target.scrollIntoView({ block: "center" });
      focusable.focus();
      history.replaceState(null, "", link.getAttribute("href"));
    }
  });
}

/* The directory's filters: folded behind "Filters" on small screens, open on wide ones (where
   site.css hides the button). Without JavaScript they are always open. */
function foldFilters() {
  var filters = document.querySelector("details.site-filters");
  if (!filters || !window.matchMedia) {
    return;
  }
  var wide = window.matchMedia("(min-width: 996px)");
  function apply() {
    filters.open = wide.matches || window.location.hash === "#filters";
  }
  apply();
  if (wide.addEventListener) {
    wide.addEventListener("change", apply);
  }
}

document.addEventListener("DOMContentLoaded", function () {
  if (window.ECL && typeof window.ECL.autoInit === "function") {
    window.ECL.autoInit();
  }
  foldFilters();
  focusErrorSummary();
});
