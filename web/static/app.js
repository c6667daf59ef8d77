// coolpapers in the browser: stars, reading history, copy buttons, the theme switch and the
// keyword bar's memory, kept in this browser (localStorage); "for you" sends the stars for one
// answer only, and a star, a FAQ opened or a PDF clicked is counted anonymously (popularity:
// a random id of this browser, which the site keeps only as a digest of itself and the day).
(function () {
  "use strict";

  var STARS = "coolpapers:stars";
  var READ = "coolpapers:read";
  var SEEN = "coolpapers:seen";
  var SEEN_VIEW = "coolpapers:seen-view";
  var FOLLOWS = "coolpapers:follows";
  var KEYWORDS = "coolpapers:keywords";
  var BROWSER = "coolpapers:browser";
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
    star: "Star", unstar: "Unstar", read: "Mark as read", unread: "Mark as unread", copy: "Copy",
    related: "[Related]", unseen: "unseen"
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
    addReading(article);
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

  // --- reading in place: [FAQ], [Related], the number, the keys, seen papers ------------

  var faqTemplate = null;

  function addReading(article) {
    var links = article.querySelector(".links");
    if (!links || article.querySelector("[data-faq-open]") || !document.querySelector("[data-faq-template]")) return;
    var faq = makeButton("data-faq-open", "inline-faq", "[FAQ]");
    faq.setAttribute("aria-expanded", "false");
    var related = makeButton("data-related-open", "inline-related", pageLabels.related);
    related.setAttribute("aria-expanded", "false");
    links.insertBefore(related, links.firstChild);
    links.insertBefore(document.createTextNode(" "), related);
    links.insertBefore(faq, links.firstChild);
    var title = article.querySelector(".title");
    if (title && !article.querySelector(".entry-number")) {
      var papers = document.querySelectorAll("article.paper[data-id]");
      var number = document.createElement("span");
      number.className = "entry-number";
      number.textContent = (Array.prototype.indexOf.call(papers, article) + 1) + ". ";
      title.insertBefore(number, title.firstChild);
    }
  }

  function toggleFaq(article) {
    var open = article.querySelector(":scope > .faq-panel");
    var button = article.querySelector("[data-faq-open]");
    if (open) {
      open.hidden = !open.hidden;
      if (button) button.setAttribute("aria-expanded", String(!open.hidden));
      return;
    }
    faqTemplate = faqTemplate || document.querySelector("[data-faq-template]");
    if (!faqTemplate || !window.coolpapersFaq) return;
    var panel = faqTemplate.content.querySelector("[data-faq]").cloneNode(true);
    var id = article.getAttribute("data-id");
    panel.removeAttribute("id");
    panel.setAttribute("data-paper", id);
    panel.setAttribute("data-version", article.getAttribute("data-version") || "");
    panel.setAttribute("data-api", "/api/papers/" + id + "/summary");
    article.appendChild(panel);
    countEvent(id, "faq");
    if (button) button.setAttribute("aria-expanded", "true");
    window.coolpapersFaq.setup(panel);
  }

  function toggleRelated(article) {
    var open = article.querySelector(":scope > .related-inline");
    var button = article.querySelector("[data-related-open]");
    if (open) {
      open.hidden = !open.hidden;
      if (button) button.setAttribute("aria-expanded", String(!open.hidden));
      return;
    }
    var box = document.createElement("section");
    box.className = "related related-inline";
    box.setAttribute("aria-busy", "true");
    box.textContent = "…";
    article.appendChild(box);
    if (button) button.setAttribute("aria-expanded", "true");
    fetch("/fragments/related/" + article.getAttribute("data-id"), { headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        // The server's own rendering of the related papers (escaped titles, MathML).
        box.innerHTML = html;
        box.setAttribute("aria-busy", "false");
        box.setAttribute("data-loaded", "true");
      }, function (error) {
        box.textContent = String(error.message || error);
        box.setAttribute("aria-busy", "false");
      });
  }

  // A paper page served before the related papers' vectors were ready (a site just started)
  // asks for them once: the request waits on the server until they are built.
  function loadPendingRelated() {
    var box = document.querySelector("section[data-related][data-pending]");
    if (!box) return;
    var waiting = box.querySelector("[data-waiting]");
    fetch(box.getAttribute("data-pending"), { headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        // The server's own rendering of the related papers (escaped titles, MathML).
        var holder = document.createElement("div");
        holder.innerHTML = html;
        while (holder.firstChild) box.insertBefore(holder.firstChild, waiting);
        if (waiting) box.removeChild(waiting);
        box.setAttribute("aria-busy", "false");
        box.setAttribute("data-loaded", "true");
      }, function (error) {
        if (waiting) waiting.textContent = String(error.message || error);
        box.setAttribute("aria-busy", "false");
      });
  }

  function entries() {
    return Array.prototype.filter.call(document.querySelectorAll("article.paper[data-id]"), function (a) {
      return a.offsetParent !== null;
    });
  }

  function currentEntry() {
    return document.querySelector("article.paper.current[data-id]");
  }

  function moveTo(step) {
    var all = entries();
    if (!all.length) return;
    var current = currentEntry();
    var index = current ? all.indexOf(current) : -1;
    var next = all[Math.max(0, Math.min(all.length - 1, index + step))];
    if (current && current !== next) {
      current.classList.remove("current");
      if (step > 0) markSeen(current.getAttribute("data-id"));
    }
    next.classList.add("current");
    next.scrollIntoView({ block: "start" });
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName))) return;
    if (!document.querySelector("[data-faq-template]")) return;
    var key = event.key;
    if (key === "j") moveTo(1);
    else if (key === "k") moveTo(-1);
    else {
      var article = currentEntry();
      if (!article) return;
      if (key === "s") toggleStar(article);
      else if (key === "f") toggleFaq(article);
      else if (key === "r") toggleRelated(article);
      else if (key === "x") toggleRead(article);
      else if (key === "o") {
        var link = article.querySelector(".title a");
        if (link) window.location.assign(link.href);
      } else return;
    }
    event.preventDefault();
  }

  function markSeen(id) {
    var seen = load(SEEN);
    if (seen[id]) return;
    seen[id] = Date.now();
    save(SEEN, seen);
    var article = document.querySelector('article.paper[data-id="' + CSS.escape(id) + '"]');
    if (article) article.classList.add("seen");
    countUnseen();
  }

  function countUnseen() {
    var badge = document.querySelector("[data-unseen-count]");
    if (!badge) return;
    var seen = load(SEEN);
    var all = document.querySelectorAll("article.paper[data-id]");
    var unseen = 0;
    for (var i = 0; i < all.length; i++) if (!seen[all[i].getAttribute("data-id")]) unseen++;
    badge.textContent = unseen + " / " + all.length;
    badge.setAttribute("data-unseen", String(unseen));
  }

  // Seen at the page's start: folded or left out by the toggles (the papers seen while
  // reading stay where they are, so that the page does not jump).
  function applySeenView() {
    var view = load(SEEN_VIEW);
    var root = document.documentElement;
    root.classList.toggle("hide-seen", !!view["hide-seen"]);
    root.classList.toggle("unseen-only", !!view["unseen-only"]);
    document.querySelectorAll("[data-seen-toggle]").forEach(function (box) {
      box.checked = !!view[box.getAttribute("data-seen-toggle")];
    });
  }

  function watchSeen() {
    var tools = document.querySelector("[data-seen-tools]");
    if (!tools) return;
    tools.hidden = false;
    var seen = load(SEEN);
    document.querySelectorAll("article.paper[data-id]").forEach(function (article) {
      var id = article.getAttribute("data-id");
      article.classList.toggle("seen", !!seen[id]);
      article.classList.toggle("was-seen", !!seen[id]);
    });
    applySeenView();
    countUnseen();
    // Scrolled past: the entry's bottom went above the top of the window (looked at once
    // per frame while the page scrolls).
    var pending = false;
    function look() {
      pending = false;
      var all = document.querySelectorAll("article.paper[data-id]:not(.seen)");
      for (var i = 0; i < all.length; i++) {
        var box = all[i].getBoundingClientRect();
        if (box.height && box.bottom <= 0) markSeen(all[i].getAttribute("data-id"));
      }
    }
    window.addEventListener("scroll", function () {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(look);
      }
    }, { passive: true });
  }

  // The single categories the reader opens are the ones followed (the home page counts
  // their unseen papers).
  function rememberFollowed() {
    var match = /^\/arxiv\/([a-z-]+(\.[A-Za-z-]+)?)$/.exec(window.location.pathname);
    if (!match || !document.querySelector("[data-faq-template]")) return;
    var follows = load(FOLLOWS);
    follows[match[1]] = Date.now();
    save(FOLLOWS, follows);
  }

  function showUnseenOnHome() {
    var list = document.querySelectorAll(".category-list a[href^='/arxiv/']");
    if (!list.length) return;
    var follows = load(FOLLOWS);
    var seen = load(SEEN);
    Array.prototype.forEach.call(list, function (link) {
      var code = link.getAttribute("href").slice("/arxiv/".length);
      if (!follows[code]) return;
      fetch("/api/list/" + encodeURIComponent(code), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) return;
          var unseen = (data.papers || []).filter(function (p) { return !seen[p.id]; }).length;
          var badge = document.createElement("span");
          badge.className = "unseen-count";
          badge.setAttribute("data-unseen-of", code);
          badge.textContent = unseen + " " + pageLabels.unseen;
          link.parentNode.appendChild(document.createTextNode(" "));
          link.parentNode.appendChild(badge);
        }, function () { /* no count, the link still works */ });
    });
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
    else {
      stars[id] = { title: titleOf(article), at: Date.now() };
      countEvent(id, "star");
    }
    save(STARS, stars);
    refresh();
  }

  // --- popularity and "for you" -----------------------------------------------------------

  function browserId() {
    var id = "";
    try { id = window.localStorage.getItem(BROWSER) || ""; } catch (e) { /* no storage */ }
    if (!/^[0-9a-f]{32}$/.test(id)) {
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      id = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
      try { window.localStorage.setItem(BROWSER, id); } catch (e) { /* counted as new each time */ }
    }
    return id;
  }

  function countEvent(id, kind) {
    if (!id || !window.fetch) return;
    fetch("/api/events", {
      method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ paper: id, kind: kind, browser: browserId() })
    }).catch(function () { /* a lost count is no loss to the reader */ });
  }

  var forYouOrder = null;  // the entries in the page's own order, while sorted "for you"

  function forYouTools() {
    return document.querySelector("[data-for-you]");
  }

  function placeEntries(articles) {
    var groups = [];
    articles.forEach(function (a) {
      var group = groups.filter(function (g) { return g.parent === a.parentNode; })[0];
      if (!group) groups.push(group = { parent: a.parentNode, items: [] });
      group.items.push(a);
    });
    groups.forEach(function (group) {
      var first = group.parent.querySelector(":scope > article.paper[data-id]");
      var marker = document.createComment("");
      group.parent.insertBefore(marker, first);
      var ref = marker;
      group.items.forEach(function (a) {
        group.parent.insertBefore(a, ref.nextSibling);
        ref = a;
      });
      marker.remove();
    });
  }

  function toggleForYou(button) {
    var tools = forYouTools();
    var note = tools.querySelector("[data-for-you-terms]");
    if (forYouOrder) {
      placeEntries(forYouOrder);
      forYouOrder = null;
      button.setAttribute("aria-pressed", "false");
      note.textContent = "";
      return;
    }
    var stars = starIds();
    if (!stars.length) {
      note.textContent = tools.getAttribute("data-no-stars");
      return;
    }
    var articles = Array.prototype.slice.call(document.querySelectorAll("article.paper[data-id]"));
    var candidates = articles.map(function (a) { return a.getAttribute("data-id"); });
    note.textContent = tools.getAttribute("data-working");
    fetch("/api/foryou", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ starred: stars.slice(0, 500), candidates: candidates.slice(0, 5000) })
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (answer) {
      var rank = {};
      answer.ranked.forEach(function (r, i) { rank[r.id] = i; });
      var last = answer.ranked.length;
      forYouOrder = articles;
      var sorted = articles.slice().sort(function (a, b) {
        var ra = a.getAttribute("data-id") in rank ? rank[a.getAttribute("data-id")] : last;
        var rb = b.getAttribute("data-id") in rank ? rank[b.getAttribute("data-id")] : last;
        return ra - rb || articles.indexOf(a) - articles.indexOf(b);
      });
      placeEntries(sorted);
      button.setAttribute("aria-pressed", "true");
      note.textContent = answer.terms.length
        ? tools.getAttribute("data-terms") + " " + answer.terms.join(", ")
        : tools.getAttribute("data-no-terms");
    }, function () {
      note.textContent = tools.getAttribute("data-failed");
    });
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
    } else if (target.hasAttribute("data-faq-open") && article) {
      toggleFaq(article);
    } else if (target.hasAttribute("data-related-open") && article) {
      toggleRelated(article);
    } else if (target.hasAttribute("data-for-you-toggle")) {
      toggleForYou(target);
    } else if (target.hasAttribute("data-copy")) {
      copyText(target.getAttribute("data-copy"), target);
    } else if (target.hasAttribute("data-theme-toggle")) {
      event.preventDefault();
      switchTheme(target);
    } else if (target.hasAttribute("data-keyword-clear")) {
      try { window.localStorage.removeItem(KEYWORDS); } catch (e) { /* nothing stored */ }
    } else if (article && /\blink-(pdf|html)\b/.test(target.className)) {
      if (/\blink-pdf\b/.test(target.className)) countEvent(article.getAttribute("data-id"), "pdf");
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

  document.addEventListener("keydown", onKey);

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.hasAttribute && input.hasAttribute("data-seen-toggle")) {
      var view = load(SEEN_VIEW);
      view[input.getAttribute("data-seen-toggle")] = input.checked;
      save(SEEN_VIEW, view);
      applySeenView();
      return;
    }
    if (input.hasAttribute && input.hasAttribute("data-autosubmit") && input.value && input.form) {
      input.form.submit();
    }
  });

  window.coolpapers = {
    load: load, save: save, starIds: starIds, addStars: addStars, refresh: refresh,
    copyText: copyText, STARS: STARS, READ: READ, SEEN: SEEN
  };

  if (!restoreKeywords()) {
    var body = document.querySelector("[data-ui-labels]");
    if (body) {
      var given = labels(body, "data-ui-labels");
      Object.keys(given).forEach(function (k) { pageLabels[k] = given[k]; });
    }
    refresh();
    loadPendingRelated();
    var forYou = forYouTools();
    if (forYou) forYou.hidden = false;
    watchSeen();
    rememberFollowed();
    showUnseenOnHome();
  }
})();
