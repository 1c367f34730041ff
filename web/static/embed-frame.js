// Inside the embed's frame: tell the page embedding us our height, take the site's
// --modq-* style variables from it, and open reply forms in place (without this script the
// Reply link loads the thread with the form under the comment).
(function () {
  "use strict";
  var ALLOWED = /^--modq-[a-z-]+$/;
  var SAFE_VALUE = /^[#\w\s.,%()'"+-]*$/;  // colours, lengths, font names; no url(), no ;

  function sendHeight() {
    if (window.parent === window) return;
    var height = document.documentElement.scrollHeight;
    window.parent.postMessage({ type: "modq:height", height: height }, "*");
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || !event.data || event.data.type !== "modq:style") return;
    var vars = event.data.vars || {};
    Object.keys(vars).forEach(function (name) {
      var value = String(vars[name]);
      if (ALLOWED.test(name) && SAFE_VALUE.test(value) && value.indexOf("url") < 0) {
        document.documentElement.style.setProperty(name, value);
      }
    });
    sendHeight();
  });

  function randomId() {
    var bytes = new Uint8Array(8);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function openReply(link) {
    var id = link.getAttribute("data-comment-id");
    var existing = document.getElementById("reply-" + id);
    if (existing) { existing.querySelector("textarea").focus(); return; }
    var template = document.getElementById("modq-reply-template");
    var form = template.content.querySelector("form").cloneNode(true);
    form.id = "reply-" + id;
    form.querySelector("[name=parent_id]").value = id;
    form.querySelector("[name=submission_id]").value = randomId();
    form.querySelectorAll("[id$='__ID__']").forEach(function (el) { el.id = el.id.replace("__ID__", id); });
    form.querySelectorAll("label[for$='__ID__']").forEach(function (el) {
      el.htmlFor = el.htmlFor.replace("__ID__", id);
    });
    form.querySelector("label[for='body-" + id + "']").textContent =
      "Your reply to " + link.getAttribute("data-author");
    link.closest(".modq-actions").after(form);
    form.querySelector("textarea").focus();
    sendHeight();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.modq-reply");
    if (!link) return;
    event.preventDefault();
    openReply(link);
  });
  document.addEventListener("toggle", sendHeight, true);  // a report form opened or closed
  if (window.ResizeObserver) new ResizeObserver(sendHeight).observe(document.body);
  window.addEventListener("load", sendHeight);
  if (window.parent !== window) window.parent.postMessage({ type: "modq:ready" }, "*");
  sendHeight();
})();
