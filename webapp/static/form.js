// Progressive enhancement only: every form works without this file.
(function () {
  document.documentElement.classList.add("js");
  var city = document.querySelector("select[data-region-city]");
  var county = document.querySelector("select[data-region-county]");
  if (!city || !county) return;
  var regions = JSON.parse(county.getAttribute("data-regions") || "[]");
  function fill() {
    var chosen = county.value;
    var found = regions.filter(function (c) { return c.code === city.value; })[0];
    if (!found) return;  // no city: keep the server's list of every county grouped by city
    county.innerHTML = "";
    var first = document.createElement("option");
    first.value = ""; first.textContent = "请选择";
    county.appendChild(first);
    found.counties.forEach(function (c) {
      var o = document.createElement("option");
      o.value = c[0]; o.textContent = c[1];
      if (c[0] === chosen) o.selected = true;
      county.appendChild(o);
    });
  }
  city.addEventListener("change", fill);
})();
