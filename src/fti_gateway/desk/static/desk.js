// Keys for the review desk (an enhancement: every action is also a plain form).
//   1..9  choose candidate n (blind mode: its "Choose" button; otherwise its radio)
//   a / d approve / deny, and put the focus in the required reason field
//   Enter in the reason field submits the form (the browser's own behaviour)
(function () {
  "use strict";
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" && el.type !== "radio" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  function pick(outcome) {
    var radio = document.getElementById("outcome-" + outcome);
    var reason = document.getElementById("reason");
    if (!radio || radio.disabled || !reason) return false;
    radio.checked = true;
    reason.focus();
    return true;
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(document.activeElement)) return;
    var done = false;
    if (/^[1-9]$/.test(ev.key)) {
      var target = document.querySelector('[data-key="' + ev.key + '"]');
      if (target && target.tagName === "BUTTON") { target.click(); done = true; }
      else if (target && target.type === "radio") { target.checked = true; target.focus(); done = true; }
    } else if (ev.key === "a") { done = pick("approve"); }
    else if (ev.key === "d") { done = pick("deny"); }
    if (done) ev.preventDefault();
  });
})();
