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

// Fields required only under a condition (JSON Schema if/then/else): the server marks them for the values
// it drew; this keeps the * and （选填） marks in step while the answers change.
(function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-required-when]"));
  if (!boxes.length) return;
  var form = boxes[0].closest("form");
  function value(name) {
    var el = form.elements[name];
    return el && typeof el.value === "string" ? el.value.trim() : "";
  }
  function holds(cond) {
    return cond.all.every(function (test) { return test[1].indexOf(value(test[0])) !== -1; });
  }
  function update() {
    boxes.forEach(function (box) {
      var required = JSON.parse(box.getAttribute("data-required-when")).some(function (cond) {
        return holds(cond) === cond.is;
      });
      var mark = box.querySelector(".req"), optional = box.querySelector(".optional");
      var control = box.querySelector("input, select, textarea");
      if (mark) mark.hidden = !required;
      if (optional) optional.hidden = required;
      if (control) {
        if (required) control.setAttribute("aria-required", "true");
        else control.removeAttribute("aria-required");
      }
    });
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
})();
