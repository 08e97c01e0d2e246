// Progressive enhancement only: every form works without this file.
(function () {
  document.documentElement.classList.add("js");
  var city = document.querySelector("select[data-region-city]");
  var county = document.querySelector("select[data-region-county]");
  if (!city || !county) return;
  var regions = null;
  function fill() {
    var chosen = county.value;
    county.innerHTML = "";
    var first = document.createElement("option");
    first.value = "";
    first.textContent = "请选择";
    county.appendChild(first);
    var found = (regions || []).filter(function (c) { return c.code === city.value; })[0];
    (found ? found.counties : []).forEach(function (c) {
      var o = document.createElement("option");
      o.value = c.code; o.textContent = c.name;
      if (c.code === chosen) o.selected = true;
      county.appendChild(o);
    });
  }
  city.addEventListener("change", function () {
    if (regions) { fill(); return; }
    fetch("/api/regions", {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (data) { regions = data.cities || []; fill(); });
  });
})();
