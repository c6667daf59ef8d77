// Demo pages: recompute when a control changes. The form works without scripts (a GET
// request renders the page); with them, the plots and numbers are fetched from
// /demos/<slug>/results and swapped in, and the address bar keeps the parameters.
(function () {
  "use strict";

  var form = document.querySelector("form[data-demo-form]");
  var results = document.getElementById("demo-results");
  if (!form || !results || !window.fetch || !window.URLSearchParams) return;

  var status = form.querySelector("[data-demo-status]");
  var apiLink = form.querySelector("[data-api-link]");
  var DELAY = { text: 500, other: 250 };
  var timer = null;
  var controller = null;
  var latest = 0;

  function query() {
    var params = new URLSearchParams();
    var fields = form.querySelectorAll("input[name], select[name], textarea[name]");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value !== "") params.append(fields[i].name, fields[i].value);
    }
    return params.toString();
  }

  function showOutputs() {
    var ranges = form.querySelectorAll("input[type=range][data-output]");
    for (var i = 0; i < ranges.length; i++) {
      var output = document.getElementById(ranges[i].getAttribute("data-output"));
      if (output) output.textContent = ranges[i].value;
    }
  }

  function setStatus(text) {
    if (status) status.textContent = text;
  }

  function refresh() {
    var q = query();
    var suffix = q ? "?" + q : "";
    var serial = ++latest;
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    results.setAttribute("aria-busy", "true");
    setStatus("Computing…");
    fetch(form.getAttribute("data-results") + suffix, {
      signal: controller ? controller.signal : undefined,
      headers: { accept: "text/html" }
    })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        if (serial !== latest) return;
        // Our own server-rendered fragment: figures, numbers or the error message.
        results.innerHTML = html;
        results.removeAttribute("aria-busy");
        setStatus("");
        history.replaceState(null, "", form.getAttribute("action") + suffix);
        if (apiLink) apiLink.href = apiLink.getAttribute("data-base") + suffix;
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        results.removeAttribute("aria-busy");
        setStatus("The server did not answer; try again.");
      });
  }

  function schedule(event) {
    showOutputs();
    var target = event && event.target;
    var wait = target && target.tagName === "TEXTAREA" ? DELAY.text : DELAY.other;
    if (target && target.type === "text") wait = DELAY.text;
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, wait);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    refresh();
  });
  showOutputs();
})();
