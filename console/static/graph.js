// Stepwise console: the graph of a state machine definition.
//
// buildGraph turns an Amazon States Language definition into nodes and edges (Parallel
// branches and Map item processors become nested graphs); layoutGraph places them with a
// small layered (Sugiyama-style) layout: ranks by longest path, dummy nodes on long edges,
// barycentre ordering, then x positions pulled towards neighbours; renderGraph draws SVG.
"use strict";

const Graph = (() => {
  const SVGNS = "http://www.w3.org/2000/svg";
  const NODE_H = 44, RANK_GAP = 56, NODE_GAP = 28, DUMMY_W = 12, PAD = 14, HEADER = 30;

  // ---- model ---------------------------------------------------------------------------

  const ops = {
    StringEquals: "==", NumericEquals: "==", BooleanEquals: "==", TimestampEquals: "==",
    StringLessThan: "<", NumericLessThan: "<", TimestampLessThan: "<",
    StringGreaterThan: ">", NumericGreaterThan: ">", TimestampGreaterThan: ">",
    StringLessThanEquals: "<=", NumericLessThanEquals: "<=", TimestampLessThanEquals: "<=",
    StringGreaterThanEquals: ">=", NumericGreaterThanEquals: ">=", TimestampGreaterThanEquals: ">=",
    StringMatches: "matches",
  };

  // ruleText renders a Choice rule as a short expression, e.g. `$.x > 3 && !(…)`.
  function ruleText(r) {
    if (!r || typeof r !== "object") return "?";
    if (typeof r.Condition === "string") return r.Condition;
    if (Array.isArray(r.And)) return r.And.map(ruleText).map(paren).join(" && ");
    if (Array.isArray(r.Or)) return r.Or.map(ruleText).map(paren).join(" || ");
    if (r.Not) return "!" + paren(ruleText(r.Not));
    const v = r.Variable || "?";
    for (const k of Object.keys(r)) {
      if (k === "Variable" || k === "Next" || k === "Comment" || k === "Assign" || k === "Output") continue;
      const path = k.endsWith("Path") && ops[k.slice(0, -4)];
      const base = path ? k.slice(0, -4) : k;
      if (ops[base]) return `${v} ${ops[base]} ${path ? r[k] : JSON.stringify(r[k])}`;
      if (k.startsWith("Is")) return `${k}(${v})${r[k] === false ? " is false" : ""}`;
    }
    return v;
  }
  const paren = (s) => (/ (&&|\|\|) /.test(s) ? `(${s})` : s);

  // buildGraph returns {nodes: Map(id -> node), edges: [...], start: id}. State nodes are
  // keyed by state name (names are unique in a whole definition); nested graphs sit in
  // node.children. top adds the start and end markers.
  function buildGraph(def, top = true) {
    const nodes = new Map();
    const edges = [];
    const states = (def && typeof def.States === "object" && def.States) || {};
    const add = (from, to, kind, label, index) => edges.push({ from, to, kind, label: label || "", index: index === undefined ? -1 : index });
    if (top) {
      nodes.set("__start", { id: "__start", kind: "start", label: "Start" });
      nodes.set("__end", { id: "__end", kind: "end", label: "End" });
      if (def && states[def.StartAt]) add("__start", def.StartAt, "next");
      else if (!Object.keys(states).length) add("__start", "__end", "next"); // a blank machine
    }
    for (const [name, st] of Object.entries(states)) {
      const s = st && typeof st === "object" ? st : {};
      const node = { id: name, kind: "state", type: String(s.Type || "?"), label: name, def: s, children: [] };
      if (s.Type === "Parallel" && Array.isArray(s.Branches)) {
        node.children = s.Branches.map((b, i) => ({ title: `Branch ${i + 1}`, graph: buildGraph(b, false) }));
      } else if (s.Type === "Map") {
        const proc = s.ItemProcessor || s.Iterator;
        if (proc) node.children = [{ title: "Item processor", graph: buildGraph(proc, false) }];
      }
      node.retry = Array.isArray(s.Retry) && s.Retry.length > 0;
      nodes.set(name, node);
    }
    for (const [name, node] of nodes) {
      if (node.kind !== "state") continue;
      const s = node.def;
      const terminal = s.End === true || s.Type === "Succeed" || s.Type === "Fail";
      if (s.Type === "Choice") {
        (Array.isArray(s.Choices) ? s.Choices : []).forEach((c, i) => {
          if (c && nodes.has(c.Next)) add(name, c.Next, "choice", ruleText(c), i);
        });
        if (nodes.has(s.Default)) add(name, s.Default, "default", "Default");
      } else if (typeof s.Next === "string" && nodes.has(s.Next)) {
        add(name, s.Next, "next");
      }
      (Array.isArray(s.Catch) ? s.Catch : []).forEach((c, i) => {
        if (c && nodes.has(c.Next)) add(name, c.Next, "catch", (c.ErrorEquals || []).join(", "), i);
      });
      if (terminal && top) add(name, "__end", "next");
    }
    return { nodes, edges, start: def && def.StartAt };
  }

  // stateDefs maps every state name, nested ones included, to its definition.
  function stateDefs(def, out = new Map()) {
    const states = (def && typeof def.States === "object" && def.States) || {};
    for (const [name, s] of Object.entries(states)) {
      out.set(name, s);
      if (s && Array.isArray(s.Branches)) s.Branches.forEach((b) => stateDefs(b, out));
      if (s && (s.ItemProcessor || s.Iterator)) stateDefs(s.ItemProcessor || s.Iterator, out);
    }
    return out;
  }

  // ---- layout --------------------------------------------------------------------------

  function measure(node) {
    if (node.kind === "start" || node.kind === "end") { node.w = 64; node.h = 28; return; }
    const textW = Math.max(node.label.length * 7.4, node.type.length * 6.2 + 30);
    node.w = Math.min(260, Math.max(130, textW + 28));
    node.h = NODE_H;
    if (node.children.length) {
      node.children.forEach((c) => { c.layout = layoutGraph(c.graph); });
      const inner = node.children.map((c) => c.layout);
      const w = inner.reduce((a, l) => a + l.width, 0) + PAD * (inner.length + 1);
      const h = Math.max(...inner.map((l) => l.height)) + 20;
      node.w = Math.max(node.w, w);
      node.h = HEADER + h + PAD;
    }
  }

  // layoutGraph positions every node (x, y: top-left) and routes edges as point lists.
  function layoutGraph(g) {
    const ids = [...g.nodes.keys()];
    g.nodes.forEach(measure);
    const out = new Map(ids.map((id) => [id, []]));
    g.edges.forEach((e) => out.get(e.from).push(e));

    // Back edges: found by depth-first search from the start, then from anything unreached.
    const color = new Map();
    const order = [];
    const dfs = (id) => {
      color.set(id, 1);
      for (const e of out.get(id)) {
        const c = color.get(e.to);
        if (c === 1) e.back = true;
        else if (!c) dfs(e.to);
      }
      color.set(id, 2);
      order.push(id);
    };
    const first = g.nodes.has("__start") ? "__start" : g.start;
    if (g.nodes.has(first)) dfs(first);
    ids.forEach((id) => { if (!color.get(id) && id !== "__end") dfs(id); });
    if (g.nodes.has("__end") && !color.get("__end")) dfs("__end");
    order.reverse(); // a topological order of the forward edges

    // Ranks: longest path along forward edges; the end marker sits below everything.
    const rank = new Map(ids.map((id) => [id, 0]));
    for (const id of order) {
      for (const e of out.get(id)) if (!e.back && e.from !== e.to) rank.set(e.to, Math.max(rank.get(e.to), rank.get(id) + 1));
    }
    if (g.nodes.has("__end")) rank.set("__end", Math.max(0, ...[...rank.entries()].filter(([k]) => k !== "__end").map(([, r]) => r + 1)));

    // Layers with dummy nodes for forward edges spanning several ranks.
    const maxRank = Math.max(0, ...rank.values());
    const layers = Array.from({ length: maxRank + 1 }, () => []);
    const items = new Map(); // id -> {id, w, h, rank, preds: [], succs: []}
    const item = (id, w, h, r) => {
      const it = { id, w, h, rank: r, preds: [], succs: [] };
      items.set(id, it);
      layers[r].push(it);
      return it;
    };
    for (const id of order) { const n = g.nodes.get(id); item(id, n.w, n.h, rank.get(id)); }
    // Edges into one target share their dummies rank by rank: the many Catch edges into one
    // handler become one bus instead of a wide fan of parallel lines.
    const link = (a, b) => {
      if (!a.succs.includes(b)) { a.succs.push(b); b.preds.push(a); }
    };
    for (const e of g.edges) {
      if (e.back || e.from === e.to) continue;
      let prev = items.get(e.from);
      e.via = [];
      for (let r = rank.get(e.from) + 1; r < rank.get(e.to); r++) {
        const key = `\u0000${e.to}@${r}`;
        const d = items.get(key) || Object.assign(item(key, DUMMY_W, NODE_H, r), { dummy: true });
        link(prev, d);
        e.via.push(d);
        prev = d;
      }
      link(prev, items.get(e.to));
    }

    // Ordering: barycentre sweeps, down then up.
    const pos = (it) => it.order;
    layers.forEach((l) => l.forEach((it, i) => { it.order = i; }));
    const sweep = (l, key) => {
      l.forEach((it) => {
        const ns = it[key];
        it.bc = ns.length ? ns.reduce((a, n) => a + pos(n), 0) / ns.length : it.order;
      });
      l.sort((a, b) => a.bc - b.bc || a.order - b.order);
      l.forEach((it, i) => { it.order = i; });
    };
    for (let k = 0; k < 4; k++) {
      for (let r = 1; r <= maxRank; r++) sweep(layers[r], "preds");
      for (let r = maxRank - 1; r >= 0; r--) sweep(layers[r], "succs");
    }

    // x: pack each layer, then pull nodes towards their neighbours' centres without overlap.
    layers.forEach((l) => {
      let x = 0;
      l.forEach((it) => { it.x = x; x += it.w + NODE_GAP; });
    });
    const centre = (it) => it.x + it.w / 2;
    const place = (l, key) => {
      l.forEach((it) => {
        const ns = it[key];
        if (ns.length) it.want = ns.reduce((a, n) => a + centre(n), 0) / ns.length - it.w / 2;
        else it.want = it.x;
      });
      // Left to right, then right to left, keeping the order and the gaps.
      let min = -Infinity;
      l.forEach((it) => { it.x = Math.max(it.want, min); min = it.x + it.w + NODE_GAP; });
      let max = Infinity;
      for (let i = l.length - 1; i >= 0; i--) {
        const it = l[i];
        it.x = Math.min(it.x, max - it.w);
        max = it.x - NODE_GAP;
      }
    };
    for (let k = 0; k < 3; k++) {
      for (let r = 1; r <= maxRank; r++) place(layers[r], "preds");
      for (let r = maxRank - 1; r >= 0; r--) place(layers[r], "succs");
    }
    const all = [...items.values()];
    const minX = Math.min(...all.map((it) => it.x));
    all.forEach((it) => { it.x -= minX - PAD; });

    // y: each layer as tall as its tallest node.
    let y = PAD;
    layers.forEach((l) => {
      const h = Math.max(NODE_H, ...l.map((it) => it.h));
      l.forEach((it) => { it.y = y + (h - it.h) / 2; });
      y += h + RANK_GAP;
    });
    let width = Math.max(...all.map((it) => it.x + it.w), 0) + PAD;
    const height = y - RANK_GAP + PAD;

    for (const id of ids) { const n = g.nodes.get(id), it = items.get(id); n.x = it.x; n.y = it.y; }
    // Routes: bottom centre, through the dummies, to top centre; back edges loop on the right.
    for (const e of g.edges) {
      const a = g.nodes.get(e.from), b = g.nodes.get(e.to);
      if (e.back || e.from === e.to) {
        const xr = Math.max(a.x + a.w, b.x + b.w) + 24 + (e.kind === "catch" ? 14 : 0);
        width = Math.max(width, xr + PAD);
        e.points = [[a.x + a.w, a.y + a.h / 2], [xr, a.y + a.h / 2], [xr, b.y + b.h / 2], [b.x + b.w, b.y + b.h / 2]];
        e.loop = true;
      } else {
        e.points = [[a.x + a.w / 2, a.y + a.h], ...e.via.map((d) => [d.x + d.w / 2, d.y + d.h / 2]), [b.x + b.w / 2, b.y]];
      }
    }
    // Spread the starts of a node's outgoing edges so that labels do not sit on one another.
    for (const [id, es] of out) {
      const fwd = es.filter((e) => !e.loop);
      if (fwd.length < 2) continue;
      const n = g.nodes.get(id);
      fwd.sort((p, q) => p.points[1][0] - q.points[1][0]);
      fwd.forEach((e, i) => { e.points[0] = [n.x + (n.w * (i + 1)) / (fwd.length + 1), n.y + n.h]; });
    }
    return { width, height };
  }

  // ---- rendering -----------------------------------------------------------------------

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVGNS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  function pathOf(points, loop) {
    const [x0, y0] = points[0];
    let d = `M${x0},${y0}`;
    if (loop) {
      const [, [xr]] = points;
      const [x3, y3] = points[3];
      return d + ` C${xr},${y0} ${xr},${y3} ${x3},${y3}`;
    }
    for (let i = 1; i < points.length; i++) {
      const [xa, ya] = points[i - 1], [xb, yb] = points[i];
      const dy = (yb - ya) / 2;
      d += ` C${xa},${ya + dy} ${xb},${yb - dy} ${xb},${yb}`;
    }
    return d;
  }

  const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

  function drawGraph(g, parent, edit) {
    const edgeLayer = el("g", { class: "edges" }, parent);
    const labelLayer = el("g", { class: "edge-labels" });
    for (const e of g.edges) {
      const d = pathOf(e.points, e.loop);
      const p = el("path", { d, class: `edge edge-${e.kind}`, "marker-end": "url(#arrow)" }, edgeLayer);
      // In design mode a wide, invisible path over each edge is a drop target ("insert here").
      if (edit) el("path", { d, class: "edge-hit", "data-from": e.from, "data-to": e.to, "data-kind": e.kind, "data-index": e.index }, edgeLayer);
      if (e.label) {
        el("title", {}, p).textContent = e.label;
        const [x, y] = labelPoint(e);
        const t = el("g", { class: `edge-label edge-label-${e.kind}`, transform: `translate(${x},${y})` }, labelLayer);
        el("title", {}, t).textContent = e.label;
        const text = clip(e.label, 34);
        const w = text.length * 6.1 + 10;
        el("rect", { x: -w / 2, y: -9, width: w, height: 18, rx: 4 }, t);
        el("text", { x: 0, y: 4, "text-anchor": "middle" }, t).textContent = text;
      }
    }
    for (const n of g.nodes.values()) drawNode(n, parent, edit);
    parent.appendChild(labelLayer);
  }

  function labelPoint(e) {
    const p = e.points;
    if (e.loop) return [p[1][0], (p[1][1] + p[2][1]) / 2];
    if (p.length > 2) return p[1];
    return [(p[0][0] + p[1][0]) / 2, (p[0][1] + p[1][1]) / 2];
  }

  function drawNode(n, parent, edit) {
    const g = el("g", { class: `node node-${n.kind}`, transform: `translate(${n.x},${n.y})` }, parent);
    if (n.kind !== "state") {
      g.setAttribute("data-marker", n.kind);
      el("rect", { width: n.w, height: n.h, rx: n.h / 2 }, g);
      el("text", { x: n.w / 2, y: n.h / 2 + 4, "text-anchor": "middle" }, g).textContent = n.label;
      return;
    }
    g.setAttribute("data-state", n.id);
    g.setAttribute("data-type", n.type);
    g.setAttribute("data-status", "none");
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", `${n.type} state ${n.id}`);
    el("title", {}, g).textContent = `${n.id} (${n.type})`;
    const box = el("rect", { class: "box", width: n.w, height: n.h, rx: n.type === "Choice" ? 14 : 6 }, g);
    if (n.children.length) {
      box.setAttribute("class", "box container");
      el("text", { class: "name", x: 10, y: 19 }, g).textContent = clip(n.label, 40);
      el("text", { class: "type", x: n.w - 10, y: 19, "text-anchor": "end" }, g).textContent = n.type;
      let x = PAD;
      n.children.forEach((c) => {
        const cg = el("g", { class: "subgraph", transform: `translate(${x},${HEADER})` }, g);
        el("rect", { class: "lane", width: c.layout.width, height: c.layout.height + 14, rx: 6 }, cg);
        el("text", { class: "lane-title", x: 8, y: 12 }, cg).textContent = c.title;
        const inner = el("g", { transform: "translate(0,14)" }, cg);
        drawGraph(c.graph, inner, edit);
        x += c.layout.width + PAD;
      });
    } else {
      el("text", { class: "name", x: n.w / 2, y: 19, "text-anchor": "middle" }, g).textContent = clip(n.label, 34);
      el("text", { class: "type", x: n.w / 2, y: 34, "text-anchor": "middle" }, g).textContent = n.type;
    }
    el("text", { class: "count", x: n.w - 6, y: n.h - 5, "text-anchor": "end" }, g);
    if (n.retry) {
      const r = el("text", { class: "retry", x: 6, y: n.h - 6 }, g);
      r.textContent = "↻";
      el("title", {}, r).textContent = "Retry: " + n.def.Retry.map((x) => (x.ErrorEquals || []).join(", ")).join("; ");
    }
  }

  // ---- zoom and pan --------------------------------------------------------------------

  const ZOOM_STEP = 1.25, ZOOM_MAX = 4, DRAG_SLOP = 4;

  // zoomable makes the SVG a window on the graph: it is as wide as the container, and view
  // (the group holding the drawing) is moved by translate(x,y) scale(k), in the SVG's pixels.
  // The graph opens fitted (the whole of it, never larger than drawn) and stays fitted as the
  // container resizes until it is zoomed or panned. The wheel (a pinch is ctrl+wheel) zooms
  // around the pointer; a drag pans, and the click that ends it selects nothing; the buttons,
  // and the keys +, - and 0 while the focus is in the graph, zoom in, out and fit.
  function zoomable(container, svg, view, size) {
    let x = 0, y = 0, k = 1, fitK = 1, fitted = true;
    svg.removeAttribute("viewBox");
    svg.removeAttribute("height");
    svg.setAttribute("width", "100%");
    svg.setAttribute("tabindex", "0");
    svg.setAttribute("role", "group"); // not "img": its states are buttons
    svg.setAttribute("aria-label", "State machine graph (+ and - zoom, 0 fits, drag to pan)");
    svg.classList.add("zoomable");
    container.classList.add("zoom-box");

    const level = document.createElement("span");
    level.className = "zoom-level";
    const button = (id, text, label, act) => {
      const b = document.createElement("button");
      Object.assign(b, { type: "button", id, textContent: text, title: label });
      b.setAttribute("aria-label", label);
      b.addEventListener("click", act);
      return b;
    };
    const tools = document.createElement("div");
    tools.className = "graph-tools";
    tools.setAttribute("role", "toolbar");
    tools.setAttribute("aria-label", "Zoom");
    tools.append(level,
      button("zoom-out", "−", "Zoom out", () => zoomAt(1 / ZOOM_STEP, ...middle())),
      button("zoom-in", "+", "Zoom in", () => zoomAt(ZOOM_STEP, ...middle())),
      button("zoom-fit", "Fit", "Fit to view", () => fit()));
    container.prepend(tools);

    const r2 = (v) => Math.round(v * 100) / 100;
    const apply = () => {
      view.setAttribute("transform", `translate(${r2(x)},${r2(y)}) scale(${Math.round(k * 10000) / 10000})`);
      svg.setAttribute("data-zoom", k.toFixed(3));
      svg.setAttribute("data-fitted", String(fitted));
      level.textContent = `${Math.round(k * 100)}%`;
    };
    // resize sets the SVG's height: the graph's at the scale that fits the width, at most
    // 80% of the window's; and the scale that fits both.
    const resize = () => {
      const w = container.clientWidth;
      if (!w) return false;
      const h = Math.max(120, Math.min(size.height * Math.min(1, w / size.width), window.innerHeight * 0.8));
      svg.style.height = `${Math.round(h)}px`;
      fitK = Math.min(1, w / size.width, Math.round(h) / size.height);
      return true;
    };
    const dims = () => [container.clientWidth, parseFloat(svg.style.height) || size.height];
    const middle = () => dims().map((d) => d / 2);
    const fit = () => {
      const [w, h] = dims();
      k = fitK;
      x = (w - size.width * k) / 2;
      y = (h - size.height * k) / 2;
      fitted = true;
      apply();
    };
    const zoomAt = (f, px, py) => {
      const k2 = Math.min(ZOOM_MAX, Math.max(fitK / 2, k * f));
      x = px - ((px - x) * k2) / k;
      y = py - ((py - y) * k2) / k;
      k = k2;
      fitted = false;
      apply();
    };
    const at = (ev) => {
      const b = svg.getBoundingClientRect();
      return [ev.clientX - b.left, ev.clientY - b.top];
    };

    svg.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const d = ev.deltaY * (ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1);
      zoomAt(Math.exp(-d * (ev.ctrlKey ? 0.01 : 0.002)), ...at(ev));
    }, { passive: false });

    // A press becomes a drag once it moves a few pixels. The pointer is followed on the
    // window, so that a drag may leave the graph; the click that ends a drag (on the state
    // pressed, which moved along) is swallowed before the graph's own handler sees it.
    let drag = null, dragged = false;
    const move = (ev) => {
      if (ev.pointerId !== drag.id) return;
      const dx = ev.clientX - drag.cx, dy = ev.clientY - drag.cy;
      if (!drag.moving) {
        if (Math.hypot(dx, dy) < DRAG_SLOP) return;
        drag.moving = true;
        svg.classList.add("panning");
      }
      x = drag.x + dx;
      y = drag.y + dy;
      fitted = false;
      apply();
    };
    const release = (ev) => {
      if (ev.pointerId !== drag.id) return;
      dragged = drag.moving;
      drag = null;
      svg.classList.remove("panning");
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", release);
      window.removeEventListener("pointercancel", release);
      if (dragged) setTimeout(() => { dragged = false; }, 0); // its click, if any, came first
    };
    svg.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0 || drag) return;
      dragged = false;
      drag = { id: ev.pointerId, cx: ev.clientX, cy: ev.clientY, x, y, moving: false };
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", release);
      window.addEventListener("pointercancel", release);
    });
    svg.addEventListener("click", (ev) => {
      if (dragged) { dragged = false; ev.stopImmediatePropagation(); }
    }, true);

    container.addEventListener("keydown", (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === "+" || ev.key === "=") zoomAt(ZOOM_STEP, ...middle());
      else if (ev.key === "-") zoomAt(1 / ZOOM_STEP, ...middle());
      else if (ev.key === "0") fit();
      else return;
      ev.preventDefault();
    });
    // A state reached with Tab outside the window is panned to its middle; not one pressed
    // (focused by the press, it would move from under the pointer before the click).
    svg.addEventListener("focusin", (ev) => {
      const n = ev.target.closest && ev.target.closest("g.node");
      if (!n || drag) return;
      const a = n.getBoundingClientRect(), b = svg.getBoundingClientRect();
      if (a.left >= b.left && a.right <= b.right && a.top >= b.top && a.bottom <= b.bottom) return;
      x += b.left + b.width / 2 - (a.left + a.width / 2);
      y += b.top + b.height / 2 - (a.top + a.height / 2);
      fitted = false;
      apply();
    });

    // Fitted now if the container is laid out, and again whenever it resizes while fitted.
    if (resize()) fit(); else apply();
    new ResizeObserver(() => requestAnimationFrame(() => {
      if (!resize()) return;
      if (fitted) fit();
    })).observe(container);

    return {
      zoomIn: () => zoomAt(ZOOM_STEP, ...middle()),
      zoomOut: () => zoomAt(1 / ZOOM_STEP, ...middle()),
      fit,
      state: () => ({ x, y, k, fitted }),
    };
  }

  // render draws a definition into container (replacing its content) and returns an object
  // to colour states and to learn of clicks. With opts.zoom the graph fits its container and
  // can be zoomed and panned (see zoomable).
  function render(container, def, onSelect, opts = {}) {
    container.textContent = "";
    const g = buildGraph(def, true);
    const size = layoutGraph(g);
    const svg = el("svg", { class: "graph", width: size.width, height: size.height, viewBox: `0 0 ${size.width} ${size.height}`, role: "img", "aria-label": "State machine graph" });
    const defs = el("defs", {}, svg);
    const m = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
    el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }, m);
    const view = opts.zoom ? el("g", { class: "viewport" }, svg) : svg;
    drawGraph(g, view, !!opts.edit);
    container.appendChild(svg);
    const zoom = opts.zoom ? zoomable(container, svg, view, size) : null;
    const nodes = () => svg.querySelectorAll("g.node[data-state]");
    const select = (name) => {
      nodes().forEach((n) => n.classList.toggle("selected", n.getAttribute("data-state") === name));
      if (onSelect) onSelect(name);
    };
    svg.addEventListener("click", (ev) => {
      const n = ev.target.closest("g.node[data-state]");
      if (n) { ev.stopPropagation(); select(n.getAttribute("data-state")); }
    });
    svg.addEventListener("keydown", (ev) => {
      const n = ev.target.closest && ev.target.closest("g.node[data-state]");
      if (n && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); select(n.getAttribute("data-state")); }
    });
    return {
      svg,
      zoom,
      select,
      // highlight marks a state as selected without telling onSelect.
      highlight: (name) => nodes().forEach((n) => n.classList.toggle("selected", n.getAttribute("data-state") === name)),
      // colour sets data-status on each state ({name: {status, entered}}); states absent
      // from progress are "not-reached". Markers: start is reached once anything ran.
      colour(progress, ended) {
        nodes().forEach((n) => {
          const p = progress[n.getAttribute("data-state")];
          n.setAttribute("data-status", p ? p.status : "not-reached");
          n.querySelector(":scope > text.count").textContent = p && p.entered > 1 ? `×${p.entered}` : "";
        });
        const s = svg.querySelector('g[data-marker="start"]'), e = svg.querySelector('g[data-marker="end"]');
        if (s) s.setAttribute("data-status", "succeeded");
        if (e) e.setAttribute("data-status", ended ? ended : "not-reached");
      },
    };
  }

  return { render, buildGraph, layoutGraph, ruleText, stateDefs };
})();
