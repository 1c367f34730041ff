// The snippet's script: replaces each <div data-modq-article="ID"> with the thread's frame,
// resizes the frame to its content, and passes the site's --modq-* CSS variables into it.
//   <div data-modq-article="ARTICLE-ID" data-modq-token="READER-TOKEN"></div>
//   <script src="https://MODQ-HOST/static/embed.js" async></script>
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = new URL(script.src, window.location.href).origin;
  var VARIABLES = ["font", "font-size", "text", "muted", "background", "surface", "accent",
    "accent-text", "warning", "warning-surface", "border", "radius", "focus"];

  function styleOf(host) {
    var computed = window.getComputedStyle(host);
    var vars = {};
    VARIABLES.forEach(function (name) {
      var value = computed.getPropertyValue("--modq-" + name).trim();
      if (value) vars["--modq-" + name] = value;
    });
    return vars;
  }

  function mount(host) {
    var url = new URL("/embed/articles/" + encodeURIComponent(host.dataset.modqArticle), origin);
    if (host.dataset.modqToken) url.searchParams.set("token", host.dataset.modqToken);
    if (host.dataset.modqOrder) url.searchParams.set("order", host.dataset.modqOrder);
    var frame = document.createElement("iframe");
    frame.src = url.toString();
    frame.title = host.dataset.modqTitle || "Comments";
    frame.setAttribute("scrolling", "no");
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.minHeight = "12rem";
    window.addEventListener("message", function (event) {
      if (event.source !== frame.contentWindow || event.origin !== origin || !event.data) return;
      if (event.data.type === "modq:height") frame.style.height = event.data.height + "px";
      if (event.data.type === "modq:ready") {
        frame.contentWindow.postMessage({ type: "modq:style", vars: styleOf(host) }, origin);
      }
    });
    host.replaceChildren(frame);
  }

  document.querySelectorAll("[data-modq-article]").forEach(mount);
})();
