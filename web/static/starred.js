// The starred page: the reader's stars, fetched from the JSON API and drawn here; the export
// link and the BibTeX download; on a shared link, a button that adds its papers to the stars.
(function () {
  "use strict";
  var app = window.coolpapers;
  if (!app) return;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function link(href, className, text) {
    var a = element("a", className, text);
    a.href = href;
    return a;
  }

  function button(attribute, className, text) {
    var b = element("button", className, text);
    b.type = "button";
    b.setAttribute(attribute, "");
    return b;
  }

  // What the server makes of a title or an abstract (web/tex.py): MathML, a span holding
  // TeX it could not convert, marks of the keyword bar. Only these are ever built here.
  var MATHML = "http://www.w3.org/1998/Math/MathML";
  var XHTML = "http://www.w3.org/1999/xhtml";
  var MATHML_ELEMENTS = words(
    "math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover mfrac " +
    "msqrt mroot mstyle merror mpadded mphantom mfenced menclose mtable mtr mtd mlabeledtr " +
    "semantics annotation mmultiscripts mprescripts none maligngroup malignmark");
  var MATHML_ATTRIBUTES = words(
    "display displaystyle mathvariant stretchy fence separator lspace rspace width height " +
    "depth linethickness columnalign rowalign columnlines rowlines columnspacing rowspacing " +
    "frame notation accent accentunder movablelimits symmetric minsize maxsize open close " +
    "separators scriptlevel largeop form encoding align class");
  var HTML_ELEMENTS = words("span mark");

  function words(text) {
    var set = Object.create(null);
    text.split(" ").forEach(function (w) { if (w) set[w] = true; });
    return set;
  }

  // The rendered text rebuilt from allowed nodes: an element that is not allowed becomes
  // its text, comments and processing instructions are dropped, and the parsing happens in
  // an inert document, so nothing in the text loads, runs or navigates.
  function safeFragment(html) {
    var parsed = new DOMParser().parseFromString("<!DOCTYPE html><body>" + (html || ""), "text/html");
    var fragment = document.createDocumentFragment();
    copyChildren(parsed.body, fragment);
    return fragment;
  }

  function copyChildren(from, to) {
    for (var node = from.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === Node.TEXT_NODE) to.appendChild(document.createTextNode(node.data));
      else if (node.nodeType === Node.ELEMENT_NODE) to.appendChild(copyElement(node));
    }
  }

  function copyElement(node) {
    var name = node.localName, copy, allowed;
    if (node.namespaceURI === MATHML && MATHML_ELEMENTS[name]) {
      copy = document.createElementNS(MATHML, name);
      allowed = MATHML_ATTRIBUTES;
    } else if (node.namespaceURI === XHTML && HTML_ELEMENTS[name]) {
      copy = document.createElement(name);
      allowed = { "class": true };
    } else {
      return document.createTextNode(node.textContent);
    }
    Array.prototype.forEach.call(node.attributes, function (attribute) {
      if (!attribute.namespaceURI && allowed[attribute.name]) copy.setAttribute(attribute.name, attribute.value);
    });
    copyChildren(node, copy);
    return copy;
  }

  function paperPath(id) {
    return "/arxiv/" + id.split("/").map(encodeURIComponent).join("/");
  }

  // Titles and abstracts come from the API as HTML that the server escaped (with MathML);
  // they are still rebuilt from allowed nodes, never inserted as markup.
  function entry(paper, list) {
    var article = element("article", "paper");
    article.id = paper.id;
    article.setAttribute("data-id", paper.id);
    var heading = element("h2", "title");
    var title = link(paperPath(paper.id), "");
    title.appendChild(safeFragment(paper.title_html));
    heading.appendChild(title);
    article.appendChild(heading);
    article.appendChild(element("p", "authors", (paper.authors_display || paper.authors).join(", ")));
    var abstract = element("p", "abstract");
    abstract.appendChild(safeFragment(paper.abstract_html));
    article.appendChild(abstract);
    var meta = element("p", "meta");
    paper.categories.forEach(function (c) {
      meta.appendChild(link("/arxiv/" + c, "category" + (c === paper.primary_category ? " primary" : ""), c));
      meta.appendChild(document.createTextNode(" "));
    });
    if (paper.published) meta.appendChild(element("time", "published", paper.published.slice(0, 10)));
    article.appendChild(meta);
    var links = element("p", "links");
    links.appendChild(link(paper.pdf_url, "link-pdf", "[PDF]"));
    links.appendChild(document.createTextNode(" "));
    links.appendChild(link(paper.abs_url, "link-abs", "[abs]"));
    if (paper.html_url) {
      links.appendChild(document.createTextNode(" "));
      links.appendChild(link(paper.html_url, "link-html", "[HTML]"));
    }
    var actions = element("span", "actions js-only");
    actions.appendChild(button("data-star", "star", "★"));
    actions.appendChild(button("data-read", "read-toggle", list.getAttribute("data-read-label")));
    var copy = button("data-copy", "copy", list.getAttribute("data-copy-label"));
    copy.setAttribute("data-copy", paper.id + " " + paper.title);
    actions.appendChild(copy);
    links.appendChild(document.createTextNode(" "));
    links.appendChild(actions);
    article.appendChild(links);
    return article;
  }

  function missing(id) {
    var article = element("article", "paper missing");
    article.setAttribute("data-id", id);
    var heading = element("h2", "title");
    heading.appendChild(link("https://arxiv.org/abs/" + id, "", id));
    article.appendChild(heading);
    var actions = element("p", "links");
    actions.appendChild(button("data-star", "star", "★"));
    article.appendChild(actions);
    return article;
  }

  function showOwnStars(list) {
    var ids = app.starIds();
    var tools = document.querySelector("[data-starred-tools]");
    var empty = document.querySelector("[data-starred-empty]");
    var count = document.querySelector("[data-starred-count]");
    if (count) count.textContent = ids.length ? String(ids.length) : "";
    if (!ids.length) {
      if (empty) empty.hidden = false;
      if (tools) tools.hidden = true;
      list.textContent = "";
      return;
    }
    var joined = ids.join(",");
    var exportUrl = window.location.origin + "/starred?ids=" + encodeURIComponent(joined).replace(/%2C/g, ",").replace(/%2F/g, "/");
    // The papers seen in this browser travel in the fragment (never sent to the server).
    var seenIds = Object.keys(app.load(app.SEEN));
    if (seenIds.length) exportUrl += "#seen=" + seenIds.join(",");
    var input = document.querySelector("[data-export-url]");
    if (input) input.value = exportUrl;
    var bibtex = document.querySelector("[data-bibtex]");
    if (bibtex) bibtex.href = "/api/bibtex?ids=" + encodeURIComponent(joined);
    if (tools) tools.hidden = false;
    if (empty) empty.hidden = true;
    fetch("/api/papers?html=1&ids=" + encodeURIComponent(joined), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var byId = {};
        (data.papers || []).forEach(function (p) { byId[p.id] = p; });
        list.textContent = "";
        ids.forEach(function (id) {
          list.appendChild(byId[id] ? entry(byId[id], list) : missing(id));
        });
        list.setAttribute("data-loaded", "true");
        app.refresh();
      });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("button") : null;
    if (!target) return;
    if (target.hasAttribute("data-import-stars")) {
      var entries = [];
      document.querySelectorAll("article.paper[data-id]").forEach(function (article) {
        var title = article.querySelector(".title");
        entries.push({ id: article.getAttribute("data-id"), title: title ? title.textContent.trim() : "" });
      });
      app.addStars(entries);
      var shared = /(?:^#|&)seen=([^&]*)/.exec(window.location.hash);
      if (shared) {
        var seen = app.load(app.SEEN);
        var now = Date.now();
        decodeURIComponent(shared[1]).split(",").forEach(function (id) {
          if (id && !seen[id]) seen[id] = now;
        });
        app.save(app.SEEN, seen);
      }
      target.textContent = "★ " + (target.getAttribute("data-done") || "OK");
      target.disabled = true;
    } else if (target.hasAttribute("data-copy-export")) {
      var input = document.querySelector("[data-export-url]");
      if (input) app.copyText(input.value, target);
    }
  });

  var list = document.querySelector("[data-starred-list]");
  if (list) showOwnStars(list);
})();
