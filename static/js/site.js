/* Starts the Europa Component Library (ECL) components marked with data-ecl-auto-init.
   Loaded with defer after vendor/ecl/scripts/ecl-eu.js; no inline script anywhere (CSP). */
"use strict";

/* ECL's convention: <html class="no-js"> until JavaScript runs; its CSS (and site.css) show
   the no-JavaScript fallbacks under .no-js. */
document.documentElement.classList.remove("no-js");

document.addEventListener("DOMContentLoaded", function () {
  if (window.ECL && typeof window.ECL.autoInit === "function") {
    window.ECL.autoInit();
  }
});
