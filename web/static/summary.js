// The FAQ panel of a paper page (and of a list's entries): shows the cached summary, or streams one while it is made.
//
// The summary comes from GET /api/papers/<id>/summary?lang=; a generation is read from
// /summary/stream as server-sent events (through fetch, so that an error status and its
// message reach the page): a GET follows the generation already running, and only the
// reader's click POSTs to start one (the server refuses a POST from another site). The text
// of an answer being written is shown as plain text; each finished answer arrives rendered by
// the server (Markdown, TeX as MathML, and [§n] citations as links to the sections of arXiv's
// HTML rendering).
(function () {
  "use strict";

  // A panel of the page, or one a list put under an entry (window.coolpapersFaq.setup).
  function setup(panel) {
  if (panel.dataset.faqReady) return;
  panel.dataset.faqReady = "true";

  const api = panel.dataset.api;
  const labels = JSON.parse(panel.dataset.labels || "{}");
  const languages = (panel.dataset.languages || "en").split(",");
  const statusLine = panel.querySelector("[data-faq-status]");
  const labelLine = panel.querySelector("[data-faq-label]");
  const body = panel.querySelector("[data-faq-body]");
  const button = panel.querySelector("[data-faq-generate]");
  const languageButtons = panel.querySelectorAll("[data-faq-language]");
  const STORAGE_KEY = "coolpapers.faqLanguage";

  let language = panel.dataset.defaultLanguage || languages[0];
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && languages.includes(saved)) language = saved;
  } catch (e) {
    // storage may be disabled: keep the page's language
  }
  let reading = null; // the AbortController of the stream being read
  let onButton = null;

  function text(key, values) {
    let template = labels[key] || key;
    for (const [name, value] of Object.entries(values || {})) {
      template = template.split("{" + name + "}").join(String(value));
    }
    return template;
  }

  function setStatus(message, kind) {
    statusLine.textContent = message || "";
    statusLine.className = "faq-status" + (kind ? " faq-" + kind : "");
    panel.setAttribute("aria-busy", kind === "busy" ? "true" : "false");
  }

  function offer(caption, action) {
    button.textContent = caption;
    button.hidden = false;
    onButton = action;
  }

  function withdrawOffer() {
    button.hidden = true;
    onButton = null;
  }

  button.addEventListener("click", function () {
    if (onButton) onButton();
  });

  function block(question) {
    const item = document.createElement("section");
    item.className = "faq-item";
    const heading = document.createElement("h3");
    heading.className = "faq-question";
    heading.textContent = question;
    const answer = document.createElement("div");
    answer.className = "faq-answer";
    item.append(heading, answer);
    body.append(item);
    return { item: item, answer: answer, text: null };
  }

  function showLabel(summary) {
    const parts = [];
    // Offline, the panel's note already says that every summary here is extractive; the
    // label still tells a summary quoted from the full text from one of the abstract, and
    // one shared with the paper's arXiv version from one of its own.
    const offline = summary.kind === "extractive" && panel.dataset.extractive === "true";
    if (!offline || summary.used_full_text || summary.shared_from) {
      parts.push(summary.label);
    }
    if (summary.shared_from) panel.dataset.sharedFrom = summary.shared_from;
    else delete panel.dataset.sharedFrom;
    if (summary.version < summary.paper_version) {
      parts.push(text("stale", { old: summary.version, new: summary.paper_version }));
    }
    labelLine.textContent = parts.join(" ");
    labelLine.hidden = parts.length === 0;
    panel.dataset.kind = summary.kind;
    panel.dataset.source = summary.used_full_text ? "full-text" : "abstract";
  }

  function show(summary) {
    body.replaceChildren();
    for (const qa of summary.faq) {
      block(qa.question).answer.innerHTML = qa.html; // rendered and sanitised by the server
    }
    showLabel(summary);
    setStatus("");
    panel.dataset.state = "complete";
  }

  function failed(message) {
    setStatus(message, "error");
    panel.dataset.state = "failed";
    offer(text("retry"), start);
  }

  function stop() {
    if (reading) reading.abort();
    reading = null;
  }

  async function load() {
    stop();
    withdrawOffer();
    body.replaceChildren();
    labelLine.hidden = true;
    setStatus(text("loading"), "busy");
    let response;
    let data = {};
    try {
      response = await fetch(api + "?lang=" + encodeURIComponent(language), {
        headers: { Accept: "application/json" },
        credentials: "omit", // ?lang= here is the FAQ's language, not the interface's
      });
      data = await response.json();
    } catch (e) {
      failed(text("unreachable"));
      return;
    }
    if (response.ok) {
      show(data);
      const generation = data.generation || {};
      if (generation.status === "queued" || generation.status === "generating") {
        stream();
      } else if (!data.current && panel.dataset.extractive !== "true") {
        offer(text("regenerate", { v: data.paper_version }), start);
      }
      return;
    }
    const state = data.summary_status;
    if (state === "queued" || state === "generating") {
      stream();
    } else if (state === "failed") {
      failed(data.error);
    } else if (state === "none") {
      setStatus(text("none"));
      panel.dataset.state = "none";
      offer(text("generate"), start);
    } else {
      setStatus(data.error || "HTTP " + response.status, "error");
    }
  }

  function parseEvent(chunk) {
    let type = "message";
    const data = [];
    for (const line of chunk.split("\n")) {
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") type = value;
      else if (field === "data") data.push(value);
    }
    return data.length ? { type: type, data: JSON.parse(data.join("\n")) } : null;
  }

  function handle(event, run) {
    const d = event.data;
    const current = run.answers[d.index];
    switch (event.type) {
      case "status":
        if (d.state === "queued") setStatus(text("queued", { n: d.position }), "busy");
        else setStatus(text("generating"), "busy");
        break;
      case "question": {
        if (!run.started) {
          // The first event of a generation: what was shown before gives way to it.
          body.replaceChildren();
          labelLine.hidden = true;
          run.started = true;
        }
        const item = block(d.question);
        item.text = document.createTextNode("");
        item.answer.append(item.text);
        item.answer.classList.add("faq-streaming");
        item.answer.style.whiteSpace = "pre-wrap";
        run.answers[d.index] = item;
        setStatus(text("question", { i: d.index + 1, n: d.total }), "busy");
        break;
      }
      case "delta":
        if (current && current.text) current.text.appendData(d.text);
        break;
      case "retry":
        if (current && current.text) current.text.data = "";
        setStatus(text("retrying", { reason: d.reason }), "busy");
        break;
      case "answer":
        if (current) {
          current.answer.classList.remove("faq-streaming");
          current.answer.style.whiteSpace = "";
          current.answer.innerHTML = d.html;
          current.text = null;
        }
        break;
      case "done":
        run.ended = true;
        show(d);
        break;
      case "error":
        run.ended = true;
        failed(d.message);
        break;
    }
  }

  function start() {
    stream(true);
  }

  // Reads the events of the generation: started (or joined) by a POST when ``starting``,
  // else followed by a GET.
  async function stream(starting) {
    stop();
    withdrawOffer();
    const controller = new AbortController();
    reading = controller;
    panel.dataset.state = "streaming";
    setStatus(text("generating"), "busy");
    const run = { answers: [], started: false, ended: false };
    let response;
    try {
      response = await fetch(api + "/stream?lang=" + encodeURIComponent(language), {
        method: starting ? "POST" : "GET",
        headers: { Accept: "text/event-stream" },
        credentials: "omit",
        signal: controller.signal,
      });
    } catch (e) {
      if (!controller.signal.aborted) failed(text("unreachable"));
      return;
    }
    if (!response.ok) {
      let message = "HTTP " + response.status;
      try {
        message = (await response.json()).error || message;
      } catch (e) {
        // keep the status as the message
      }
      failed(message);
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const event = parseEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event) handle(event, run);
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
    }
    if (reading === controller) reading = null;
    if (!run.ended && !controller.signal.aborted) failed(text("lost"));
  }

  function choose(code) {
    language = code;
    for (const b of languageButtons) {
      const pressed = b.dataset.faqLanguage === code;
      b.setAttribute("aria-pressed", pressed ? "true" : "false");
      b.style.fontWeight = pressed ? "600" : "";
      b.style.borderColor = pressed ? "currentColor" : "";
    }
    try {
      localStorage.setItem(STORAGE_KEY, code);
    } catch (e) {
      // not remembered, that is all
    }
    load();
  }

  for (const b of languageButtons) {
    b.addEventListener("click", function () {
      if (b.dataset.faqLanguage !== language || panel.dataset.state === "failed") {
        choose(b.dataset.faqLanguage);
      }
    });
  }
  choose(language);
  }

  document.querySelectorAll("[data-faq]").forEach(setup);
  window.coolpapersFaq = { setup: setup };
})();
