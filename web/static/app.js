// coolpapers in the browser: stars, reading history, copy buttons, the theme switch and the
// keyword bar's memory. Everything is kept in this browser (localStorage), nothing is sent.
(function () {
  "use strict";

  var STARS = "coolpapers:stars";
  var READ = "coolpapers:read";
  var KEYWORDS = "coolpapers:keywords";
  var KEYWORD_PARAMS = ["include", "exclude", "mode", "only"];
  var YEAR = 365 * 24 * 3600;

  function load(key) {
    try {
      var value = JSON.parse(window.localStorage.getItem(key) || "{}");
      return value && typeof value === "object" ? value : {};
    } catch (e) {
      return {};
    }
  }

  function save(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* storage full or disabled: the page still works for reading */
    }
  }

  function labels(element, attribute) {
    try {
      return JSON.parse(element.getAttribute(attribute || "data-labels") || "{}");
    } catch (e) {
      return {};
    }
  }

  var pageLabels = {
    star: "Star", unstar: "Unstar", read: "Mark as read", unread: "Mark as unread", copy: "Copy"
  };

  function makeButton(attribute, className, text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.setAttribute(attribute, "");
    b.textContent = text;
    return b;
  }

  // List entries carry no buttons in their HTML: they are added here, where they can work.
  function addActions(article) {
    if (article.querySelector("[data-star]")) return;
    var links = article.querySelector(".links");
    if (!links) return;
    var actions = document.createElement("span");
    actions.className = "actions";
    actions.appendChild(makeButton("data-star", "star", "☆"));
    actions.appendChild(makeButton("data-read", "read-toggle", pageLabels.read));
    var copy = makeButton("data-copy", "copy", pageLabels.copy);
    copy.setAttribute("data-copy", article.getAttribute("data-id") + " " +
      (article.getAttribute("data-title") || titleOf(article)));
    actions.appendChild(copy);
    links.appendChild(actions);
  }

  // --- stars and reading history -------------------------------------------------------

  function titleOf(article) {
    var title = article.querySelector(".title");
    return title ? title.textContent.trim() : "";
  }

  function starIds() {
    var stars = load(STARS);
    return Object.keys(stars).sort(function (a, b) {
      return (stars[b].at || 0) - (stars[a].at || 0);
    });
  }

  function addStars(entries) {
    var stars = load(STARS);
    var now = Date.now();
    entries.forEach(function (entry, index) {
      if (!stars[entry.id]) stars[entry.id] = { title: entry.title || "", at: now - index };
    });
    save(STARS, stars);
    refresh();
  }

  function toggleStar(article) {
    var id = article.getAttribute("data-id");
    var stars = load(STARS);
    if (stars[id]) delete stars[id];
    else stars[id] = { title: titleOf(article), at: Date.now() };
    save(STARS, stars);
    refresh();
  }

  function toggleRead(article) {
    var id = article.getAttribute("data-id");
    var read = load(READ);
    if (read[id]) delete read[id];
    else read[id] = Date.now();
    save(READ, read);
    refresh();
  }

  function markRead(article) {
    var id = article.getAttribute("data-id");
    var read = load(READ);
    if (!read[id]) {
      read[id] = Date.now();
      save(READ, read);
      refresh();
    }
  }

  function refresh() {
    var stars = load(STARS);
    var read = load(READ);
    var articles = document.querySelectorAll("article.paper[data-id]");
    for (var i = 0; i < articles.length; i++) {
      var article = articles[i];
      addActions(article);
      var id = article.getAttribute("data-id");
      var starred = !!stars[id];
      var wasRead = !!read[id];
      article.classList.toggle("starred", starred);
      article.classList.toggle("read", wasRead);
      var star = article.querySelector("[data-star]");
      if (star) {
        star.textContent = starred ? "★" : "☆";
        star.setAttribute("aria-pressed", String(starred));
        star.title = starred ? pageLabels.unstar : pageLabels.star;
      }
      var readButton = article.querySelector("[data-read]");
      if (readButton) {
        readButton.textContent = wasRead ? pageLabels.unread : pageLabels.read;
        readButton.setAttribute("aria-pressed", String(wasRead));
      }
    }
    var count = Object.keys(stars).length;
    var badges = document.querySelectorAll("[data-star-count]");
    for (var j = 0; j < badges.length; j++) badges[j].textContent = count ? " " + count : "";
  }

  // --- copy ------------------------------------------------------------------------------

  function copyText(text, button) {
    function done() {
      var before = button.textContent;
      button.textContent = "✓";
      button.classList.add("copied");
      window.setTimeout(function () {
        button.textContent = before;
        button.classList.remove("copied");
      }, 1200);
    }
    function fallback() {
      // Keep the reader's selection: browser find and selection keep working after a copy.
      var selection = document.getSelection();
      var ranges = [];
      for (var i = 0; selection && i < selection.rangeCount; i++) ranges.push(selection.getRangeAt(i));
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "offscreen";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
      document.body.removeChild(area);
      if (selection) {
        selection.removeAllRanges();
        ranges.forEach(function (r) { selection.addRange(r); });
      }
      done();
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  // --- theme -----------------------------------------------------------------------------

  var THEMES = ["auto", "light", "dark"];

  function switchTheme(link) {
    var root = document.documentElement;
    var current = root.getAttribute("data-theme") || "auto";
    var next = THEMES[(THEMES.indexOf(current) + 1) % THEMES.length];
    root.setAttribute("data-theme", next);
    document.cookie = "theme=" + next + "; path=/; max-age=" + YEAR + "; samesite=lax";
    var names = labels(link);
    var label = link.querySelector("[data-theme-label]");
    if (label) label.textContent = names[next] || next;
  }

  // --- keyword bar -----------------------------------------------------------------------

  function keywordQuery(params) {
    var kept = new URLSearchParams();
    KEYWORD_PARAMS.forEach(function (name) {
      var value = params.get(name);
      if (value && value.trim()) kept.set(name, value);
    });
    if (!kept.get("include") && !kept.get("exclude")) return "";
    return kept.toString();
  }

  function submitKeywords(form) {
    var params = new URLSearchParams();
    var data = new FormData(form);
    data.forEach(function (value, name) {
      if (typeof value === "string" && value.trim()) params.append(name, value.trim());
    });
    if (!params.get("include")) params.delete("mode");
    if (!params.get("include") && !params.get("exclude")) params.delete("only");
    if (params.get("mode") === "or") params.delete("mode");
    var stored = keywordQuery(params);
    if (stored) window.localStorage.setItem(KEYWORDS, stored);
    else window.localStorage.removeItem(KEYWORDS);
    var query = params.toString();
    window.location.assign(form.getAttribute("action") + (query ? "?" + query : ""));
  }

  function restoreKeywords() {
    if (!document.querySelector("[data-keyword-form]")) return false;
    var here = new URLSearchParams(window.location.search);
    if (here.get("include") || here.get("exclude")) return false;
    var stored;
    try { stored = window.localStorage.getItem(KEYWORDS); } catch (e) { return false; }
    if (!stored) return false;
    var remembered = new URLSearchParams(stored);
    remembered.forEach(function (value, name) {
      if (KEYWORD_PARAMS.indexOf(name) >= 0) here.set(name, value);
    });
    window.location.replace(window.location.pathname + "?" + here.toString());
    return true;
  }

  // --- wiring ----------------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("button, a") : null;
    if (!target) return;
    var article = target.closest("article.paper[data-id]");
    if (target.hasAttribute("data-star") && article) {
      toggleStar(article);
    } else if (target.hasAttribute("data-read") && article) {
      toggleRead(article);
    } else if (target.hasAttribute("data-copy")) {
      copyText(target.getAttribute("data-copy"), target);
    } else if (target.hasAttribute("data-theme-toggle")) {
      event.preventDefault();
      switchTheme(target);
    } else if (target.hasAttribute("data-keyword-clear")) {
      try { window.localStorage.removeItem(KEYWORDS); } catch (e) { /* nothing stored */ }
    } else if (article && /\blink-(pdf|html)\b/.test(target.className)) {
      markRead(article);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute && form.hasAttribute("data-keyword-form")) {
      event.preventDefault();
      submitKeywords(form);
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.hasAttribute && input.hasAttribute("data-autosubmit") && input.value && input.form) {
      input.form.submit();
    }
  });

  window.coolpapers = {
    load: load, save: save, starIds: starIds, addStars: addStars, refresh: refresh,
    copyText: copyText, STARS: STARS, READ: READ
  };

  if (!restoreKeywords()) {
    var body = document.querySelector("[data-ui-labels]");
    if (body) {
      var given = labels(body, "data-ui-labels");
      Object.keys(given).forEach(function (k) { pageLabels[k] = given[k]; });
    }
    refresh();
  }
})();
