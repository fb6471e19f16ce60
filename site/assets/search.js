// Search box plumbing. The offline search index and its query code replace this file; until
// then it only carries `?q=` into the search box of search.html.
(function () {
  "use strict";
  var box = document.getElementById("search");
  var q = new URLSearchParams(window.location.search).get("q");
  if (box && q) box.value = q;
})();
