// The map component: renders the deck that Python describes (kzunrest/map_spec.py) with the
// deck.gl bundle of the installed pydeck package, and plays the days in the browser.
//
// Per frame nothing is sent to the server: each timed layer is split once into one deck.gl
// layer per day (or period), and a frame only changes those layers' `visible` and `opacity`,
// which leaves their GPU buffers untouched. The server hears from us only when the viewer
// pauses, steps, changes speed or mode, clicks a region, or stops moving the camera.
//
// Every string that comes from the data is written with textContent (or as an attribute that
// is not a URL), and links only ever get http(s) addresses: the component runs with the
// page's privileges.

const PLAYERS = new WeakMap();

async function mount(component) {
  const { data, parentElement } = component;
  let player = PLAYERS.get(parentElement);
  if (!player) {
    player = new Player(parentElement);
    PLAYERS.set(parentElement, player);
  }
  player.talk = component;  // fresh callbacks on every call
  await player.update(data);
  return () => player.destroy();
}

export default mount;

// The first map's way to the screen, as User Timing marks (bench/browser_timing.py reads them):
// data received, bundle ready, layer files fetched, layers built, deck created.
const MARKED = new Set();
function markOnce(name) {
  if (MARKED.has(name) || !globalThis.performance || !performance.mark) return;
  MARKED.add(name);
  performance.mark(name);
}

const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
};

// A source's name as a link to its address, or as plain text when the address is not http(s).
function sourceLink(name, url) {
  const href = safeUrl(url);
  if (!href) return document.createTextNode(name || "");
  const a = el("a", null, name || href);
  a.setAttribute("href", href);
  a.setAttribute("target", "_blank");
  a.setAttribute("rel", "noopener noreferrer");
  return a;
}

function safeUrl(url) {
  try {
    const u = new URL(url, document.baseURI);
    return (u.protocol === "https:" || u.protocol === "http:") ? u.href : null;
  } catch (e) {
    return null;
  }
}

// English words, used until Python sends the viewer's own (data.text, kzunrest/ui/map_text.py).
const EN = {
  map: "Map of the unrest, day by day", prev: "Previous day", prev_key: "Previous day (←)",
  next: "Next day", next_key: "Next day (→)", day: "Day", play: "Play", pause: "Pause",
  speed: "Speed", mode: "Mode", modes: { cumulative: "Trail of earlier days", day: "This day only" },
  speeds: {}, legend: "Legend", event: "Event", close: "Close", actors: "Actors", deaths: "Deaths",
  unknown: "unknown", source: "Source", sources: "Sources", notes: "", id: "id", precision: {},
  disputed: "Disputed: sources differ", disputed_note: "The map shows the version in the dataset's row.",
  types: {}, regions: {}, places: {}, days: [],
};

class Player {
  constructor(parent) {
    this.parent = parent;
    this.day = 0;
    this.playing = false;
    this.speed = "normal";
    this.mode = "cumulative";
    this.groups = [];
    this.deck = null;
    this.structure = null;
    this.seq = null;
    this.timer = null;
    this.painted = [];  // days painted, in order (read by the benchmark)
    this.build();
  }

  build() {
    const root = el("div", "kzmap");
    root.setAttribute("role", "region");
    root.setAttribute("aria-label", "Map of the unrest, day by day");
    const bar = el("div", "kz-bar");
    this.prev = el("button", "kz-btn", "◀");
    this.prev.setAttribute("aria-label", "Previous day");
    this.prev.title = "Previous day (←)";
    this.slider = el("input", "kz-slider");
    this.slider.type = "range";
    this.slider.min = "0";
    this.slider.step = "1";
    this.slider.setAttribute("aria-label", "Day");
    this.next = el("button", "kz-btn", "▶");
    this.next.setAttribute("aria-label", "Next day");
    this.next.title = "Next day (→)";
    this.play = el("button", "kz-btn kz-play", "Play");
    this.play.setAttribute("aria-pressed", "false");
    this.t = EN;
    this.speedSel = el("select", "kz-select");
    this.speedSel.setAttribute("aria-label", "Speed");
    this.modeSel = el("select", "kz-select");
    this.modeSel.setAttribute("aria-label", "Mode");
    for (const [v, t] of [["cumulative", "Trail of earlier days"], ["day", "This day only"]]) {
      const o = el("option", null, t);
      o.value = v;
      this.modeSel.appendChild(o);
    }
    this.dateLabel = el("span", "kz-date");
    bar.append(this.prev, this.slider, this.next, this.play, this.speedSel, this.modeSel);
    this.stage = el("div", "kz-stage");
    this.host = el("div", "kz-deck");
    this.summary = el("div", "kz-summary");
    this.summary.setAttribute("aria-hidden", "true");  // the live region below says it once
    this.live = el("div", "kz-sr");
    this.live.setAttribute("aria-live", "polite");
    this.legendBox = el("details", "kz-legend");
    this.legendBox.open = true;
    this.tooltip = el("div", "kz-tooltip");
    this.tooltip.setAttribute("role", "tooltip");
    this.card = el("div", "kz-card");
    this.card.setAttribute("role", "dialog");
    this.card.setAttribute("aria-label", "Event");
    this.card.hidden = true;
    this.stage.append(this.host, this.summary, this.legendBox, this.tooltip, this.card);
    root.append(bar, this.stage, this.live);
    this.parent.appendChild(root);
    this.root = root;
    root.kzPlayer = this;  // for the browser tests and benchmarks

    this.prev.addEventListener("click", () => this.step(-1));
    this.next.addEventListener("click", () => this.step(1));
    this.slider.addEventListener("input", () => {
      this.stop(false);
      this.setDay(Number(this.slider.value));
    });
    this.slider.addEventListener("change", () => {
      this.announce();  // a step with the slider, said once when the thumb is let go
      this.report();
    });
    this.play.addEventListener("click", () => (this.playing ? this.stop(true) : this.start()));
    this.speedSel.addEventListener("change", () => {
      this.speed = this.speedSel.value;
      this.report();
    });
    this.modeSel.addEventListener("change", () => {
      this.mode = this.modeSel.value;
      this.render();
      this.report();
    });
    // Clicks and taps are read here rather than through deck.gl's onClick, which did not
    // fire under the bundle's gesture handling (a press that does not move is a click).
    this.host.addEventListener("pointerdown", (e) => {
      // Event times, not handling times: a busy page may run the two handlers far apart.
      this.press = { x: e.clientX, y: e.clientY, t: e.timeStamp };
    }, true);
    this.host.addEventListener("pointerup", (e) => {
      const p = this.press;
      this.press = null;
      if (!p || Math.hypot(e.clientX - p.x, e.clientY - p.y) > 6 || e.timeStamp - p.t > 800) return;
      const r = this.host.getBoundingClientRect();
      this.click({ x: e.clientX - r.left, y: e.clientY - r.top });
    }, true);
    this.onKey = (e) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
      if (!this.data) return;
      // A map without its playback bar (a story step) has no day of its own to step; on the
      // story its arrows step the story. They are read here rather than as Streamlit button
      // shortcuts: two document listeners for the same keys raced (this one swallowed the
      // key whenever it ran first).
      if (!this.data.controls && e.key !== "Escape") {
        if (this.data.keys !== "story" || !(e.key === "ArrowLeft" || e.key === "ArrowRight")) return;
        const t = e.target;
        if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
        if (t && t.closest && t.closest("[role=slider]")) return;  // the step slider's own keys
        e.preventDefault();
        this.talk.setTriggerValue("step", e.key === "ArrowLeft" ? -1 : 1);
        return;
      }
      if (e.key === "Escape" && !this.card.hidden) {
        this.closeCard();
        return;
      }
      const t = e.target;
      const typing = t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
      if (typing && t !== this.slider) return;
      if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
        e.preventDefault();
        this.step(e.key === "ArrowLeft" ? -1 : 1);
      }
    };
    document.addEventListener("keydown", this.onKey);
    this.reportTimer = null;
  }

  destroy() {
    clearTimeout(this.timer);
    clearTimeout(this.reportTimer);
    clearTimeout(this.cameraTimer);
    document.removeEventListener("keydown", this.onKey);
    if (this.deck) this.deck.finalize();
    this.deck = null;
  }

  // ---- data from Python -------------------------------------------------------------------
  async update(sent) {
    const version = (this.version = (this.version || 0) + 1);
    markOnce("kz-data");
    const data = (this.data = this.decode(sent));
    this.applyText(data.text);
    const spec = data.spec;
    this.days = spec.days;
    this.summaries = spec.summary;
    this.slider.max = String(this.days.length - 1);
    this.root.classList.toggle("kz-nocontrols", !data.controls);
    this.stage.style.height = data.height;
    this.fillSelect(this.speedSel, Object.keys(spec.speeds));
    this.drawLegend(spec.legend);
    // Python sets the playback and camera only when it means to (a link, a story step, the
    // camera fields); otherwise it echoes what we reported, and the viewer's own day and
    // camera must not jump back.
    if (data.seq !== this.seq) {
      this.seq = data.seq;
      this.stop(false);
      this.day = clamp(data.playback.day, 0, this.days.length - 1);
      this.speed = data.playback.speed;
      this.mode = data.playback.mode;
      this.wantPlay = data.playback.playing && !reducedMotion();
      this.view = { ...spec.deck.initialViewState };
      this.fit = data.fit;
      this.viewPending = true;
    }
    this.speedSel.value = this.speed;
    this.modeSel.value = this.mode;
    if (this.deck && spec.deck.mapStyle !== this.mapStyle) {
      this.deck.finalize();  // a new basemap: a new deck (the layers are rebuilt below)
      this.deck = null;
      this.host.textContent = "";
    }
    // The events' card text: its own file, fetched while the layers load (not awaited:
    // only the tooltip's last lines and the card read it).
    const detailsKey = JSON.stringify(spec.details || null);
    if (detailsKey !== this.detailsKey) {
      this.detailsKey = detailsKey;
      this.details = null;
      this.root.dataset.details = spec.details ? "loading" : "none";
      this.detailsLoading = spec.details ? loadDetails(spec.details).then((lookup) => {
        if (this.detailsKey !== detailsKey) return;
        this.details = lookup;
        this.root.dataset.details = "ready";
        // A tooltip shown meanwhile gets its last lines (notes, sources) now.
        if (this.lastHover && this.tooltip.style.display === "block") this.hover(this.lastHover);
      }).catch(() => {
        if (this.detailsKey === detailsKey) this.root.dataset.details = "failed";
      }) : null;
    }
    const structure = JSON.stringify([spec.deck.layers, spec.timing]);
    if (structure !== this.structure || !this.deck) {
      const groups = await this.loadLayers(spec);
      if (version !== this.version) return;  // a newer update has taken over
      this.structure = structure;
      this.groups = groups;
      this.allIn = false;  // new layers: this day's first (see render)
      this.clickable = new Set(spec.clickable);
      this.pickOnly = new Set(spec.pick_only || []);
      if (!this.deck) this.createDeck(spec);
      markOnce("kz-deck");
    }
    if (this.viewPending) {
      this.viewPending = false;
      this.deck.setProps({ initialViewState: this.fitted() });
    }
    this.render();
    if (this.wantPlay) {
      this.wantPlay = false;
      this.start(false);
    }
  }

  // Python sends the spec and the words as JSON text, encoded once per map rather than on
  // every rerun, and the camera beside them (kzunrest/ui/map_component.py); the HTML
  // snapshot sends them as objects. The same text parses once.
  decode(sent) {
    this.parsed = this.parsed || {};
    const parse = (slot) => {
      const value = sent[slot];
      if (typeof value !== "string") return value;
      if (this.parsed[slot]?.text !== value) this.parsed[slot] = { text: value, value: JSON.parse(value) };
      return this.parsed[slot].value;
    };
    let spec = parse("spec");
    if (sent.camera) spec = { ...spec, deck: { ...spec.deck, initialViewState: sent.camera } };
    return { ...sent, spec, text: parse("text") };
  }

  // The viewer's language: labels of the controls (the values stay the same).
  applyText(text) {
    const t = { ...EN, ...(text || {}) };
    if (JSON.stringify(t) === this.textKey) return;
    this.textKey = JSON.stringify(t);
    this.t = t;
    this.root.setAttribute("aria-label", t.map);
    this.prev.setAttribute("aria-label", t.prev);
    this.prev.title = t.prev_key;
    this.next.setAttribute("aria-label", t.next);
    this.next.title = t.next_key;
    this.slider.setAttribute("aria-label", t.day);
    this.speedSel.setAttribute("aria-label", t.speed);
    this.modeSel.setAttribute("aria-label", t.mode);
    for (const o of this.modeSel.options) o.textContent = t.modes[o.value] || o.value;
    this.card.setAttribute("aria-label", t.event);
    this.speedSel.textContent = "";  // refilled with the new words
    this.legendKey = null;
  }

  dayText(d) {
    const s = this.summaries[d];
    return (this.t.days && this.t.days[d] && this.t.days[d].label === s.label) ? this.t.days[d] : null;
  }

  fillSelect(select, values) {
    if (select.options.length === values.length) return;
    select.textContent = "";
    for (const v of values) {
      const o = el("option", null, (this.t.speeds && this.t.speeds[v]) || v);
      o.value = v;
      select.appendChild(o);
    }
  }

  async ensureBundle() {
    if (globalThis.createDeck) return;
    await import(new URL(this.data.bundle, document.baseURI).href);
  }

  async loadLayers(spec) {
    await this.ensureBundle();
    markOnce("kz-bundle");
    const deckNs = globalThis.deck;
    const classes = {};
    for (const k of Object.keys(deckNs)) if (k[0] === k[0].toUpperCase()) classes[k] = deckNs[k];
    // The same layers, drawn without instancing (see flatLayer): same shaders, same pixels.
    for (const [name, corners] of Object.entries(FLAT_CORNERS)) {
      if (deckNs[name]) classes[name] = flatLayer(deckNs[name], corners);
    }
    const converter = new deckNs.JSONConverter({ configuration: { classes } });
    const templates = spec.deck.layers;
    const fetched = await Promise.all(templates.map((t) =>
      typeof t.data === "string" ? fetch(new URL(t.data, document.baseURI)).then((r) => r.json()) : t.data));
    markOnce("kz-fetched");
    const groups = [];
    templates.forEach((t, i) => {
      const rule = spec.timing[t.id];
      let rows = fetched[i] || [];
      if (rows.type === "FeatureCollection") rows = rows.features;
      const base = converter.convert({ ...t, data: [] });
      const add = (key, data, props) => groups.push({ layer: base.clone({ id: `${t.id}@${key}`, data }), base: t.id, ...props });
      if (!rule) {
        add("all", rows, { kind: "always" });
      } else if (rule.by === "inline") {
        rule.rows.forEach((r, d) => add(d, r, { kind: "on", day: d }));
      } else if (rule.by === "day") {
        const byDay = new Map();
        for (const r of rows) {
          const d = (r.properties ? r.properties.day : r.day) - spec.offset;
          if (!byDay.has(d)) byDay.set(d, []);
          byDay.get(d).push(r);
        }
        for (const [d, rs] of [...byDay].sort((a, b) => a[0] - b[0])) add(d, rs, { kind: rule.show, day: d });
      } else if (rule.by === "period") {
        const byPeriod = new Map();
        for (const r of rows) {
          const p = r.properties || r;
          const key = `${p.start - spec.offset}:${p.last - spec.offset}`;
          if (!byPeriod.has(key)) byPeriod.set(key, []);
          byPeriod.get(key).push(r);
        }
        for (const [key, rs] of byPeriod) {
          const [start, last] = key.split(":").map(Number);
          add(key, rs, { kind: "period", start, last });
        }
      }
    });
    markOnce("kz-layers");
    return groups;
  }

  // The camera: the link's, or the regions fitted to this map's own size (a phone, a wall).
  fitted() {
    if (!this.fit) return { ...this.view };
    const width = this.host.clientWidth || 800, height = this.host.clientHeight || 500;
    const [x0, y0, x1, y1] = this.fit;
    const pad = Math.round(Math.min(width, height) * 0.04);
    const vp = new globalThis.deck.WebMercatorViewport({ width, height });
    // Room for the day summary at the top and the legend at the bottom left.
    const top = Math.min(70, height * 0.15), bottom = Math.min(40, height * 0.1);
    const { longitude, latitude, zoom } = vp.fitBounds([[x0, y0], [x1, y1]],
      { padding: { top: top + pad, bottom: bottom + pad, left: pad, right: pad } });
    this.fit = null;
    this.view = { longitude, latitude, zoom };
    return { ...this.view };
  }

  createDeck(spec) {
    this.mapStyle = spec.deck.mapStyle;
    this.deck = globalThis.createDeck({
      container: this.host,
      jsonInput: { ...spec.deck, initialViewState: this.fitted(), layers: [] },
      tooltip: false,
    });
    this.viewPending = false;
    this.deck.setProps({
      onHover: (info) => this.hover(info),
      onAfterRender: () => this.afterRender(),
      onViewStateChange: ({ viewState }) => this.moved(viewState),
      getCursor: ({ isHovering }) => (isHovering ? "pointer" : "grab"),
      // Layers that only take hovers and clicks (the regions' transparent fill, the
      // emergency's outlines as paths, which its segments draw) are left out of the frames
      // on screen: on a software GPU each of them cost a large part of a frame.
      layerFilter: ({ layer, isPicking }) => isPicking || !this.pickOnly.has(layer.id.split("@")[0]),
    });
  }

  // ---- frames -------------------------------------------------------------------------------
  render() {
    if (!this.deck) return;
    const d = this.day;
    const trail = this.data.spec.trail_opacity;
    let changed = false;
    const layers = this.groups.map((g) => {
      let visible = true;
      let opacity = 1;
      switch (g.kind) {
        case "on": visible = g.day === d; break;
        case "upto": visible = g.day <= d; break;
        case "trail":
          visible = this.mode === "day" ? g.day === d : g.day <= d;
          opacity = g.day === d ? 1 : trail;
          break;
        case "period": visible = g.start <= d && d <= g.last; break;
        default: break;
      }
      if (g.shown !== visible || g.opacity !== opacity) {
        g.shown = visible;
        g.opacity = opacity;
        g.current = g.layer.clone({ visible, opacity });
        changed = true;
      }
      return g.current || (g.current = g.layer);
    });
    this.pendingDay = d;
    // deck.gl initializes every layer it is given, hidden or not (buffers, shaders, a font
    // atlas per text layer): with a layer per day that made the first frame wait for all of
    // them (most of 2 s in software WebGL). The first frame gets this day's layers only;
    // the rest join in the frame after it is drawn (afterRender), and stay, so a step or
    // Play never rebuilds them.
    // A new array makes deck.gl redraw the whole map even when no layer changed: each rerun
    // of the app (a step's report) cost a frame as dear as the step's own, and a key pressed
    // meanwhile waited behind it. Only a change is handed over.
    // The picture on screen is then already this day's: it counts as painted (Play's next
    // frame and the paint signals wait for that), unless a frame is still to come.
    const key = `${this.allIn}`;
    if (changed || key !== this.layersKey || this.groups !== this.layersOf) {
      this.layersKey = key;
      this.layersOf = this.groups;
      this.framePending = true;
      this.deck.setProps({ layers: this.allIn ? layers : layers.filter((l, i) => this.groups[i].shown) });
    } else if (!this.framePending) {
      setTimeout(() => { if (!this.framePending) this.afterRender(); }, 0);
    }
    this.slider.value = String(d);
    this.slider.setAttribute("aria-valuetext", this.summaries[d].label);
    this.prev.disabled = d <= 0;
    this.next.disabled = d >= this.days.length - 1;
    this.play.textContent = this.playing ? this.t.pause : this.t.play;
    this.play.setAttribute("aria-pressed", String(this.playing));
    this.drawSummary(this.summaries[d]);
  }

  afterRender() {
    this.framePending = false;
    if (!this.allIn) {
      this.allIn = true;
      setTimeout(() => this.render(), 0);  // after this frame: every other day's layers
    }
    const day = this.days[this.pendingDay];
    if (this.root.dataset.paintedDay !== day) {
      this.root.dataset.paintedDay = day;
      this.painted.push(day);
      if (this.painted.length > 200) this.painted.shift();
      // Signals for tests and benchmarks: the last days painted, in order, and the camera.
      this.root.dataset.paintedLog = this.painted.join(",");
      this.root.dataset.view = JSON.stringify(this.view);
    }
    if (this.playing && this.awaitingPaint) {
      this.awaitingPaint = false;
      const wait = Math.max(0, this.data.spec.speeds[this.speed] - (performance.now() - this.frameStart));
      this.timer = setTimeout(() => this.tick(), wait);
    }
  }

  setDay(d) {
    this.day = clamp(d, 0, this.days.length - 1);
    this.render();
  }

  step(delta) {
    if (!this.data.controls) return;
    this.stop(false);
    this.setDay(this.day + delta);
    this.announce();
    // A burst of key presses is reported once, when it ends.
    clearTimeout(this.reportTimer);
    this.reportTimer = setTimeout(() => this.report(), 300);
  }

  start(report = true) {
    if (this.day >= this.days.length - 1) this.day = 0;  // Play from the end starts over
    this.playing = true;
    this.frameStart = performance.now();
    this.awaitingPaint = true;
    this.render();
    if (report) this.report();
  }

  tick() {
    if (!this.playing) return;
    if (this.day >= this.days.length - 1) {
      this.stop(true);
      return;
    }
    this.frameStart = performance.now();
    this.awaitingPaint = true;
    this.setDay(this.day + 1);
  }

  stop(report) {
    if (!this.playing) return;
    this.playing = false;
    clearTimeout(this.timer);
    this.render();
    this.announce();
    if (report) this.report();
  }

  report() {
    clearTimeout(this.reportTimer);
    const playback = { date: this.days[this.day], playing: this.playing, speed: this.speed, mode: this.mode };
    this.talk.setStateValue("playback", playback);
  }

  announce() {
    this.live.textContent = this.summaryText(this.summaries[this.day]);
    this.root.dataset.announced = this.live.textContent;  // for the tests
  }

  // ---- text over the map ------------------------------------------------------------------
  summaryText(s) {
    const own = this.dayText(this.summaries.indexOf(s));
    if (own) return own.sentence;
    const parts = [s.label, `${s.today} events this day`, `${s.so_far} so far`,
      `${s.regions} of ${s.regions_total} regions reached`];
    if (s.contingents) parts.push(`CSTO: ${s.contingents} contingent${s.contingents > 1 ? "s" : ""} in the country`);
    if (s.emergency) parts.push(`state of emergency in ${s.emergency} region${s.emergency > 1 ? "s" : ""}`);
    if (s.blackout.length) parts.push(`internet shutdown (${s.blackout.join(", ")})`);
    return parts.join(" · ");
  }

  drawSummary(s) {
    const box = this.summary;
    box.textContent = "";
    const own = this.dayText(this.summaries.indexOf(s));
    if (own) {
      box.appendChild(el("div", "kz-sum-date", own.label));
      const line = el("div", "kz-sum-line");
      for (const [n, label] of own.stats) {
        const span = el("span", "kz-stat");
        span.append(el("b", null, String(n)), document.createTextNode(" " + label));
        line.appendChild(span);
      }
      box.appendChild(line);
      if (own.extra) box.appendChild(el("div", "kz-sum-line", own.extra));
      this.root.dataset.summary = own.sentence;
      return;
    }
    box.appendChild(el("div", "kz-sum-date", s.label));
    const line = el("div", "kz-sum-line");
    const stat = (n, t) => {
      const span = el("span", "kz-stat");
      span.append(el("b", null, String(n)), document.createTextNode(" " + t));
      line.appendChild(span);
    };
    stat(s.today, "events this day");
    stat(s.so_far, "so far");
    stat(`${s.regions}/${s.regions_total}`, "regions reached");
    if (s.contingents) stat(s.contingents, "CSTO contingents in the country");
    box.appendChild(line);
    if (s.emergency || s.blackout.length) {
      const parts = [];
      if (s.emergency) parts.push(`State of emergency: ${s.emergency} region${s.emergency > 1 ? "s" : ""}`);
      if (s.blackout.length) parts.push(`Internet shutdown: ${s.blackout.join(", ")}`);
      box.appendChild(el("div", "kz-sum-line", parts.join(" · ")));
    }
    this.root.dataset.summary = this.summaryText(s);
  }

  drawLegend(parts) {
    const key = JSON.stringify(parts);
    if (key === this.legendKey) return;
    this.legendKey = key;
    const box = this.legendBox;
    box.textContent = "";
    // Open where it leaves the country in view (a tall, wide map); folded on laptops and
    // phones, one click away.
    box.open = this.stage.clientWidth > 700 && this.stage.clientHeight > 640;
    box.appendChild(el("summary", null, this.t.legend));
    for (const part of parts) {
      const sec = el("div", "kz-leg-part");
      sec.appendChild(el("div", "kz-leg-title", part.title));
      for (const [label, color, kind, mark] of part.items) {
        const item = el("span", "kz-leg-item");
        const sw = el("span", `kz-sw kz-sw-${kind || part.kind}`, mark || undefined);
        if (mark) sw.classList.add("kz-sw-mark");  // the letter on the type's points
        if (/^#[0-9a-fA-F]{6}$/.test(color)) sw.style.setProperty("--c", color);
        item.append(sw, document.createTextNode(label));
        sec.appendChild(item);
      }
      box.appendChild(sec);
    }
  }

  // An event's row with its card text from the details file (the row itself when the
  // details have none for it: grouped rows, or details not there yet).
  detail(row) {
    const d = this.details && row.event_id_cnty !== undefined ? this.details(row.event_id_cnty) : null;
    if (!d) return row;
    return { ...row, notes: d.notes, actors: d.actors, precision: d.precision, foot: d.foot,
      sources: d.sources ? JSON.parse(d.sources) : [], disputes: d.disputes ? JSON.parse(d.disputes) : [] };
  }

  textOf(object) {
    const p = this.detail(object.properties || object);
    // A point of many events (above MAX_POINTS the map groups them by place, day and type):
    // its own title and lines, which count the events and their deaths.
    if (p.events !== undefined) return [p.title, p.body, p.foot].filter(Boolean);
    if (p.event_id_cnty && p.event_type) {  // an event: said in the viewer's language
      return [this.eventTitle(p), [this.regionName(p.admin1), this.typeName(p.event_type)].join(" · "),
        `${this.t.deaths}: ${this.deathsText(p.fatalities)}`, p.notes, p.foot].filter(Boolean);
    }
    return [p.title, p.body, p.foot].filter(Boolean);
  }

  regionName(a) { return (this.t.regions && this.t.regions[a]) || a || ""; }
  placeName(p) { return (this.t.places && this.t.places[p]) || p || ""; }
  typeName(x) { return (this.t.types && this.t.types[x]) || x || ""; }
  deathsText(f) { return f === "unknown" ? this.t.unknown : String(f); }

  eventTitle(row) {
    const d = this.days ? this.days.indexOf(row.event_date) : -1;
    const own = d >= 0 ? this.dayText(d) : null;
    const date = own ? own.label : (d >= 0 ? this.summaries[d].label : row.event_date || "");
    return [date, this.placeName(row.location)].filter(Boolean).join(" · ");
  }

  hover(info) {
    this.lastHover = info;
    const tip = this.tooltip;
    if (!info.object || !info.layer || !info.layer.props.pickable) {
      tip.style.display = "none";
      return;
    }
    const lines = this.textOf(info.object);
    if (!lines.length) {
      tip.style.display = "none";
      return;
    }
    tip.textContent = "";
    tip.appendChild(el("b", null, lines[0]));
    for (const line of lines.slice(1)) tip.appendChild(el("div", null, line));
    tip.style.display = "block";
    // Keep the tooltip inside the map: flip it left or up near the edges.
    const W = this.stage.clientWidth, H = this.stage.clientHeight;
    const w = tip.offsetWidth, h = tip.offsetHeight;
    const x = info.x + 14 + w > W ? Math.max(0, info.x - 14 - w) : info.x + 14;
    const y = info.y + 14 + h > H ? Math.max(0, info.y - 14 - h) : info.y + 14;
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  }

  click(info) {
    if (!this.deck || !this.data.controls) return;
    // Only the layers meant for clicks take them, whatever overlays lie on top.
    const ids = this.groups.filter((g) => this.clickable.has(g.base) && g.shown !== false)
      .map((g) => g.layer.id);
    const picked = this.deck.pickObject({ x: info.x, y: info.y, radius: 4, layerIds: ids });
    if (!picked || !picked.object) return;
    const base = picked.layer.id.split("@")[0];
    const p = picked.object.properties || picked.object;
    if (base === "events" || base === "events-span") {
      this.openCard(picked.object);
    } else if (p.admin1) {
      this.talk.setTriggerValue("region", p.admin1);
    }
  }

  async openCard(picked) {
    this.tooltip.style.display = "none";
    if (!this.details && this.detailsLoading) await this.detailsLoading;
    const row = this.detail(picked);
    const card = this.card;
    card.textContent = "";
    const close = el("button", "kz-btn kz-close", "×");
    close.setAttribute("aria-label", this.t.close);
    close.addEventListener("click", () => this.closeCard());
    card.appendChild(close);
    card.appendChild(el("div", "kz-card-title", this.eventTitle(row)));
    if (row.events !== undefined) {  // a point of many events: no one event's card
      for (const line of [row.body, row.foot].join("\n").split("\n").filter(Boolean)) {
        card.appendChild(el("div", "kz-card-facts", line));
      }
      card.hidden = false;
      card.dataset.event = "";
      close.focus({ preventScroll: true });
      return;
    }
    const facts = [this.regionName(row.admin1), this.typeName(row.event_type),
      row.actors ? `${this.t.actors}: ${row.actors}` : "",
      row.fatalities !== undefined ? `${this.t.deaths}: ${this.deathsText(row.fatalities)}` : ""].filter(Boolean);
    card.appendChild(el("div", "kz-card-facts", facts.join(" · ")));
    if (row.notes) {
      if (this.t.notes) card.appendChild(el("div", "kz-card-label", this.t.notes));
      const notes = el("p", "kz-card-notes", row.notes);
      notes.lang = "en";  // the notes stay in English: screen readers say them so
      card.appendChild(notes);
    }
    const sources = row.sources || [];
    if (sources.length) {
      const list = el("ul", "kz-card-sources");
      for (const [name, url] of sources) {
        const li = el("li");
        li.appendChild(sourceLink(name, url));
        list.appendChild(li);
      }
      card.appendChild(el("div", "kz-card-label", sources.length > 1 ? `${this.t.sources} (${sources.length})` : this.t.source));
      card.appendChild(list);
    }
    const disputes = row.disputes || [];
    if (disputes.length) {
      card.appendChild(el("div", "kz-card-label kz-card-disputed", this.t.disputed));
      const list = el("ul", "kz-card-sources");
      for (const [field, value, source, url, note] of disputes) {
        const li = el("li");
        li.appendChild(document.createTextNode(`${field.replace("_", " ")}: ${value} (`));
        li.appendChild(sourceLink(source, url));
        li.appendChild(document.createTextNode(")"));
        if (note) li.appendChild(el("div", "kz-card-note", note));
        list.appendChild(li);
      }
      card.appendChild(list);
      card.appendChild(el("div", "kz-card-foot", this.t.disputed_note));
    }
    const precision = (row.precision || "").split("; ").filter(Boolean)
      .map((p) => (this.t.precision && this.t.precision[p]) || p).join("; ");
    const foot = [precision, row.event_id_cnty ? `${this.t.id} ${row.event_id_cnty}` : ""].filter(Boolean);
    if (foot.length) card.appendChild(el("div", "kz-card-foot", foot.join(" · ")));
    card.hidden = false;
    card.dataset.event = row.event_id_cnty || "";
    close.focus({ preventScroll: true });
  }

  closeCard() {
    this.card.hidden = true;
    this.card.dataset.event = "";
  }

  moved(viewState) {
    // The camera goes into the link once the viewer stops moving it.
    const round = (x, n) => Math.round(x * 10 ** n) / 10 ** n;
    const cam = { longitude: round(viewState.longitude, 4), latitude: round(viewState.latitude, 4),
      zoom: round(viewState.zoom, 2) };
    const old = this.view || {};
    this.view = { longitude: viewState.longitude, latitude: viewState.latitude, zoom: viewState.zoom };
    if (round(old.longitude, 4) === cam.longitude && round(old.latitude, 4) === cam.latitude
        && round(old.zoom, 2) === cam.zoom) return;  // a resize or a no-op, not a move
    clearTimeout(this.cameraTimer);
    this.cameraTimer = setTimeout(() => this.talk.setStateValue("camera", cam), 700);
  }
}

// The details file (kzunrest/layers.py details_payload): uint32 n and k, per field n + 1
// uint32 offsets, then each field's UTF-8 text; the HTML snapshot sends the rows inline
// instead, one array of the fields per event. A lookup from event id to its fields.
async function loadDetails({ data, fields }) {
  const idField = fields.indexOf("event_id_cnty");
  if (Array.isArray(data)) {
    const byId = new Map(data.map((r) => [r[idField], Object.fromEntries(fields.map((f, k) => [f, r[k]]))]));
    return (id) => byId.get(id) || null;
  }
  const buf = await fetch(new URL(data, document.baseURI)).then((r) => {
    if (!r.ok) throw new Error(`details: ${r.status}`);
    return r.arrayBuffer();
  });
  const view = new DataView(buf), bytes = new Uint8Array(buf), utf8 = new TextDecoder();
  const n = view.getUint32(0, true), k = view.getUint32(4, true);
  const table = (f) => 8 + 4 * (n + 1) * f;  // where field f's offsets start
  const starts = [];
  let at = table(k);
  for (let f = 0; f < k; f++) {
    starts.push(at);
    at += view.getUint32(table(f) + 4 * n, true);
  }
  const text = (f, i) => utf8.decode(bytes.subarray(starts[f] + view.getUint32(table(f) + 4 * i, true),
    starts[f] + view.getUint32(table(f) + 4 * i + 4, true)));
  const byId = new Map();
  for (let i = 0; i < n; i++) byId.set(text(idField, i), i);
  return (id) => {
    const i = byId.get(id);
    if (i === undefined) return null;
    const out = {};
    fields.forEach((name, f) => { if (f < k) out[name] = text(f, i); });
    return out;
  };
}

// deck.gl draws a LineLayer segment or a ScatterplotLayer point as one instance of a 4-vertex
// quad. SwiftShader (the software GPU of a browser without a usable GPU) runs an instanced draw
// as one draw per instance: about 35 us each, so the regions' 5,924 border segments cost
// ~200 ms a frame, and every step of the map waited for them. These subclasses draw the same
// quads as one plain indexed triangle list instead: each row's attributes are repeated on its
// 4 vertices (deck.gl's startIndices), the quad's corner is a vertex attribute, and the
// layer's own shaders run unchanged, so the pixels are the same (a frame's readback was
// byte-identical) at about a third of the cost.
const FLAT_CORNERS = {
  LineLayer: [0, -1, 0, 0, 1, 0, 1, -1, 0, 1, 1, 0],
  ScatterplotLayer: [-1, -1, 0, 1, -1, 0, -1, 1, 0, 1, 1, 0],
};
const FLAT = new Map();

function flatLayer(Base, corners) {
  if (FLAT.has(Base)) return FLAT.get(Base);
  const k = corners.length / 3;  // vertices per row
  const Flat = class extends Base {
    initializeState(context) {
      super.initializeState(context);
      const am = this.getAttributeManager();
      for (const a of Object.values(am.attributes)) a.settings.stepMode = "vertex";
      am.add({
        // Each row's picking colour on its own vertices (the row's index, as instanced).
        instancePickingColors: { type: "uint8", size: 4, stepMode: "vertex",
          accessor: (o, { index, target }) => this.encodePickingColor(index, target) },
        positions: { size: 3, stepMode: "vertex", update: (attribute) => {
          const v = attribute.value;
          for (let i = 0; i < v.length; i++) v[i] = corners[i % corners.length];
        } },
      });
    }

    rows() { return super.getNumInstances(); }
    getNumInstances() { return k * this.rows(); }  // vertices, for the attribute manager
    getStartIndices() {
      const n = this.rows();
      if (!this.state.starts || this.state.starts.length !== n + 1) {
        this.state.starts = Uint32Array.from({ length: n + 1 }, (_, i) => k * i);
      }
      return this.state.starts;
    }

    _getModel() {
      const instanced = super._getModel();
      const Model = instanced.constructor;
      instanced.destroy();
      return new Model(this.context.device, { ...this.getShaders(), id: this.props.id,
        bufferLayout: this.getAttributeManager().getBufferLayouts({ isInstanced: false }),
        topology: "triangle-list", isInstanced: false, vertexCount: 0 });
    }

    draw(opts) {
      const n = this.rows(), model = this.state.model;
      if (this.state.indexRows !== n || this.state.indexModel !== model) {
        const quads = new Uint32Array(6 * n);
        for (let i = 0; i < n; i++) quads.set([k * i, k * i + 1, k * i + 2, k * i + 1, k * i + 2, k * i + 3], 6 * i);
        this.state.indices?.destroy();
        this.state.indices = this.context.device.createBuffer({ usage: 0x0010, data: quads });  // INDEX
        model.setIndexBuffer(this.state.indices);
        this.state.indexRows = n;
        this.state.indexModel = model;
      }
      model.setVertexCount(6 * n);
      super.draw(opts);
    }

    finalizeState(context) {
      this.state.indices?.destroy();
      super.finalizeState(context);
    }
  };
  Object.defineProperty(Flat, "name", { value: Base.name });
  Flat.layerName = Base.layerName;
  FLAT.set(Base, Flat);
  return Flat;
}

function clamp(x, lo, hi) {
  return Math.min(Math.max(x, lo), hi);
}

function reducedMotion() {
  return globalThis.matchMedia && globalThis.matchMedia("(prefers-reduced-motion: reduce)").matches;
}
