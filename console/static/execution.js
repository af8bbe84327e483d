// Stepwise console: the execution page — details, the graph coloured by progress, the step
// panel, the event history (paged), the parent and the children; live while RUNNING.
"use strict";

const HISTORY_PAGE = 100;

async function executionPage(app, arn) {
  let ex = await sfn("DescribeExecution", { executionArn: arn });
  // A Distributed Map's child runs its Map state's item processor, read from the parent.
  const mapChild = ex.mapRunArn ? await childContext(ex) : null;
  let def = {};
  if (mapChild) def = mapChild.def;
  else {
    const smDesc = await sfn("DescribeStateMachineForExecution", { executionArn: arn });
    try { def = JSON.parse(smDesc.definition); } catch { /* an invalid definition draws nothing */ }
  }
  const defs = Graph.stateDefs(def);
  const progress = new Progress();

  const head = h("div", { class: "page-head" });
  const facts = h("dl", { class: "facts", id: "exec-facts" });
  const io = h("div", { class: "io" });
  const graphBox = h("div", { class: "graph-box", id: "graph" });
  const panel = h("aside", { class: "panel step-panel", id: "step-panel", hidden: true, tabindex: "-1" });
  const kids = h("section", { class: "panel", id: "children", hidden: true });
  const chainBox = h("section", { class: "panel", id: "chain", hidden: true });
  const historyBox = h("section", { class: "panel", id: "history" });
  const runs = mapRunsPanel(arn);
  app.append(head, facts, io,
    h("div", { class: "split" },
      h("section", { class: "panel grow" }, h("h2", {}, "Graph"), legend(), graphBox), panel),
    runs.el, chainBox, kids, historyBox);

  let selected = "";
  const graph = Graph.render(graphBox, def, (name) => { selected = name; drawPanel(); panel.focus(); });

  // The buttons outlive the redraws of the header (a Stop armed for confirmation stays armed).
  const stop = h("button", { type: "button", class: "danger", id: "stop" }, "Stop execution");
  // A second click within 5 s confirms (no modal dialog: it would block keyboard and tests).
  stop.addEventListener("click", async () => {
    if (!stop.dataset.armed) {
      stop.dataset.armed = "1";
      stop.textContent = "Confirm stop";
      setTimeout(() => { delete stop.dataset.armed; stop.textContent = "Stop execution"; }, 5000);
      return;
    }
    stop.disabled = true;
    try { await sfn("StopExecution", { executionArn: arn }); await refresh(); } catch (err) { showError(err); }
  });
  // Re-run: the same input on the same target (the alias or version it ran on), a new name.
  const rerun = h("button", { type: "button", id: "rerun", title: "Start a new execution with the same input" }, "Re-run with same input");
  rerun.addEventListener("click", async () => {
    rerun.disabled = true;
    try {
      const target = ex.stateMachineAliasArn || ex.stateMachineVersionArn || ex.stateMachineArn;
      const res = await sfn("StartExecution", { stateMachineArn: target, name: uuid(), input: ex.input });
      location.hash = execHref(res.executionArn);
    } catch (err) { showError(err); } finally { rerun.disabled = false; }
  });
  // Redrive: RedriveExecution restarts a failed, timed out or aborted Standard execution
  // from the states that did not succeed.
  const redrive = h("button", { type: "button", id: "redrive", title: "Restart from the states that did not succeed" }, "Redrive");
  redrive.addEventListener("click", async () => {
    redrive.disabled = true;
    try {
      await sfn("RedriveExecution", { executionArn: arn, clientToken: uuid() });
      await refresh();
      poll();
    } catch (err) { showError(err); } finally { redrive.disabled = false; }
  });

  function drawHead() {
    const running = ex.status === "RUNNING";
    stop.hidden = !running;
    redrive.hidden = !/^(FAILED|TIMED_OUT|ABORTED)$/.test(ex.status) || /^(NOT_REDRIVABLE|REDRIVABLE_BY_MAP_RUN)$/.test(ex.redriveStatus);
    const run = mapChild && mapChild.run;
    rerun.hidden = !!run; // a child's state machine (MACHINE/LABEL) cannot be started alone
    head.replaceChildren(
      h("div", {},
        run ? h("div", { class: "crumbs" }, h("a", { href: "#/" }, "State machines"), " / ", h("a", { href: smHref(mapChild.parentSm.stateMachineArn) }, mapChild.parentSm.name), " / ",
          h("a", { href: execHref(run.executionArn) }, nameOf(run.executionArn)), " / ", h("a", { href: mapRunHref(run.mapRunArn) }, "Map run " + mapRunLabel(run.mapRunArn)), " / ") :
          h("div", { class: "crumbs" }, h("a", { href: "#/" }, "State machines"), " / ", h("a", { href: smHref(ex.stateMachineArn) }, nameOf(ex.stateMachineArn)), " / "),
        h("h1", {}, ex.name, " ", badge(ex.status)),
        run ? h("p", { class: "started-by map-run-of" }, "Child execution of ", h("a", { class: "map-run-back", href: mapRunHref(run.mapRunArn) }, "map run " + mapRunLabel(run.mapRunArn)),
          mapChild.state ? ` (state ${mapChild.state})` : "", " of ", h("a", { class: "map-parent-link", href: execHref(run.executionArn) }, nameOf(run.executionArn))) : null,
        ex.redriveStatus === "REDRIVABLE_BY_MAP_RUN" && run ? h("p", { class: "note", id: "redrive-by-map-run" },
          "This child execution is redriven with its map run: redrive the parent execution ", h("a", { href: execHref(run.executionArn) }, nameOf(run.executionArn)),
          " and its failed and aborted children run again, under the same ARNs.") : null,
        ex.stepwiseParentExecutionArn ? h("p", { class: "started-by" }, "Started by ", h("a", { class: "parent-link", href: execHref(ex.stepwiseParentExecutionArn) }, nameOf(ex.stepwiseParentExecutionArn)),
          h("span", { class: "hint" }, ` (${ex.stepwiseParentExecutionArn.split(":").slice(-2, -1)[0]})`)) : null),
      h("div", { class: "row" }, rerun, redrive, stop));
    const end = ex.stopDate ? ex.stopDate * 1000 : Date.now();
    facts.replaceChildren(...[
      h("dt", {}, "Status"), h("dd", { id: "exec-status" }, ex.status),
      h("dt", {}, "Started"), h("dd", {}, fmtTime(ex.startDate)),
      h("dt", {}, "Stopped"), h("dd", {}, fmtTime(ex.stopDate)),
      h("dt", {}, "Duration"), h("dd", {}, fmtDuration(end - ex.startDate * 1000) + (ex.stopDate ? "" : " (running)")),
      ex.stateMachineAliasArn ? [h("dt", {}, "Alias"), h("dd", { class: "mono", id: "exec-alias" }, ex.stateMachineAliasArn)] : null,
      ex.stateMachineVersionArn ? [h("dt", {}, "Version"), h("dd", { class: "mono", id: "exec-version" }, ex.stateMachineVersionArn)] : null,
      ex.mapRunArn ? [h("dt", {}, "Map run"), h("dd", { class: "mono", id: "exec-map-run" }, h("a", { href: mapRunHref(ex.mapRunArn) }, ex.mapRunArn))] : null,
      ex.redriveCount ? [h("dt", {}, "Redriven"), h("dd", { id: "exec-redriven" }, `${ex.redriveCount} time${ex.redriveCount > 1 ? "s" : ""}, last ${fmtTime(ex.redriveDate)}`)] : null,
      ex.redriveStatus && ex.status !== "RUNNING" ? [h("dt", {}, "Redrive status"), h("dd", { id: "exec-redrive-status" }, ex.redriveStatus.replaceAll("_", " ").toLowerCase(),
        ex.redriveStatusReason ? h("span", { class: "hint" }, ` — ${ex.redriveStatusReason}`) : null)] : null,
      h("dt", {}, "ARN"), h("dd", { class: "mono" }, ex.executionArn)].flat().filter(Boolean));
    io.replaceChildren(
      h("section", { class: "panel" }, h("h2", {}, "Input"), pre(pretty(ex.input))),
      ex.status === "SUCCEEDED" ? h("section", { class: "panel" }, h("h2", {}, "Output"), pre(pretty(ex.output), "output")) :
        ex.error !== undefined || ex.cause !== undefined ? h("section", { class: "panel failure" }, h("h2", {}, "Error"),
          h("p", { class: "mono", id: "exec-error" }, ex.error || ""), h("h3", {}, "Cause"), pre(pretty(ex.cause))) :
          h("section", { class: "panel" }, h("h2", {}, "Output"), h("p", { class: "hint" }, running ? "The execution is running." : "No output.")));
  }

  function drawPanel() {
    if (!selected) return;
    const p = progress.states[selected];
    const sdef = defs.get(selected);
    panel.hidden = false;
    panel.setAttribute("data-state", selected);
    const close = h("button", { type: "button", class: "close", "aria-label": "Close step panel", onclick: () => { panel.hidden = true; selected = ""; graph.select(""); } }, "×");
    panel.replaceChildren(
      h("div", { class: "page-head" }, h("h2", {}, selected), close),
      h("p", {}, badge(p ? p.status.toUpperCase().replace("-", "_") : "NOT_REACHED"), " ", sdef ? sdef.Type : "", p && p.entered > 1 ? ` · entered ${p.entered} times (latest shown)` : ""),
      ...(isDistributed(sdef) ? mapRunLinks(p) : []),
      h("h3", {}, "Input"), p && p.input !== null ? pre(pretty(p.input), "step-input") : h("p", { class: "hint" }, "–"),
      h("h3", {}, "Output"), p && p.output !== null ? pre(pretty(p.output), "step-output") : h("p", { class: "hint" }, "–"),
      h("h3", {}, "Definition"), pre(JSON.stringify(sdef, null, 2), "step-def"),
      h("h3", {}, "Events"), eventTable(p ? p.events.slice(-200) : [], progress, false));
  }

  // The progress is rebuilt from the whole history once (1,000 events a page), then kept up
  // to date by reading newest-first until an event already seen.
  async function loadAll() {
    let token;
    do {
      const res = await sfn("GetExecutionHistory", { executionArn: arn, maxResults: 1000, nextToken: token });
      progress.add(res.events);
      graph.colour(progress.states, progress.ended); // a long history colours as it loads
      token = res.nextToken;
    } while (token);
  }
  async function loadNew() {
    const fresh = [];
    let token;
    outer: do {
      const res = await sfn("GetExecutionHistory", { executionArn: arn, maxResults: 100, reverseOrder: true, nextToken: token });
      for (const e of res.events) {
        if (e.id <= progress.lastId) break outer;
        fresh.push(e);
      }
      token = res.nextToken;
    } while (token);
    progress.add(fresh.reverse());
  }

  const table = historyTable(arn, progress);
  historyBox.append(table.el);

  async function drawChildren() {
    const res = await children(arn);
    kids.hidden = !res.executions.length;
    kids.replaceChildren(h("h2", {}, "Executions started by this one"),
      h("ul", { class: "children" }, res.executions.map((c) => h("li", {},
        h("a", { href: execHref(c.executionArn), class: "child-link", "data-state-machine": nameOf(c.stateMachineArn) }, c.name), " ", badge(c.status),
        h("span", { class: "hint" }, ` ${nameOf(c.stateMachineArn)} · ${fmtTime(c.startDate)}`)))),
      ...(res.nextToken ? [h("p", { class: "hint" }, "Showing the newest 100.")] : []));
  }

  async function drawChain() {
    const c = await chain(arn);
    const anyLinks = c.ancestors.length || c.execution.children.length;
    chainBox.hidden = !anyLinks;
    if (!anyLinks) return;
    chainBox.replaceChildren(h("h2", {}, "Chain"),
      h("p", { class: "hint" }, "The executions that started this one, up to the first, and those it started, down."),
      chainList(c, ex.stateMachineArn));
  }

  async function refresh() {
    ex = await sfn("DescribeExecution", { executionArn: arn });
    await loadNew();
    drawHead();
    graph.colour(progress.states, progress.ended);
    drawPanel();
    await Promise.all([drawChildren(), drawChain(), table.refresh(), runs.load()]);
  }

  drawHead();
  await loadAll();
  await Promise.all([drawChildren().catch(showError), drawChain().catch(showError), table.load(0), runs.load().catch(showError)]);
  graphBox.setAttribute("data-ready", "true");

  // While RUNNING the page polls; a redrive starts polling again.
  let busy = false, timer = 0;
  function poll() {
    if (timer) return;
    timer = setInterval(async () => {
      if (busy) return;
      if (ex.status !== "RUNNING") { clearInterval(timer); timer = 0; return; }
      busy = true;
      try { await refresh(); } catch (err) { showError(err); } finally { busy = false; }
    }, 2000);
  }
  poll();
  onLeave(() => clearInterval(timer));
}

// mapRunLinks lists the runs a Distributed Map state started (its MapRunStarted events).
function mapRunLinks(p) {
  const arns = [...new Set((p ? p.events : []).filter((e) => e.type === "MapRunStarted").map((e) => e.mapRunStartedEventDetails.mapRunArn))];
  return [h("h3", {}, "Map run"), arns.length ? h("ul", { class: "children" }, arns.map((a) => h("li", {},
    h("a", { class: "step-map-run", href: mapRunHref(a) }, "Map run " + mapRunLabel(a)), h("span", { class: "hint" }, " " + nameOf(a))))) :
    h("p", { class: "hint" }, "Not started yet.")];
}

// chainList draws the chain: the root and the nearest ancestors, this execution (current),
// and its descendants as a tree in which a single child continues at the same level, so
// that a continue-as-new chain reads as one list and only fan-outs indent.
function chainList(c, smArn) {
  const link = (it, cls) => h("span", { class: "chain-item" },
    h("a", { href: execHref(it.executionArn), class: cls, "data-name": it.name }, it.name), " ", badge(it.status),
    h("span", { class: "hint" }, ` ${nameOf(it.stateMachineArn)}${it.stateMachineArn === smArn ? "" : " (another state machine)"} · ${fmtTime(it.startDate)}`));
  const list = h("ol", { class: "chain" });
  c.ancestors.forEach((a, i) => {
    list.append(h("li", { class: "chain-up" }, i === 0 ? h("span", { class: "chain-tag" }, "Root") : null, link(a, "chain-link chain-ancestor")));
    if (i === 0 && c.skipped > 0) list.append(h("li", { class: "hint chain-skipped" }, `… ${c.skipped} more …`));
  });
  if (c.denied) list.prepend(h("li", { class: "hint" }, "Earlier executions are hidden: you may not describe them."));
  const here = c.execution;
  list.append(h("li", { class: "chain-here", "aria-current": "page" }, h("span", { class: "chain-tag" }, "This execution"), link(here, "chain-self")));
  const down = (n, into) => {
    let kids = n.children;
    while (kids.length === 1) { // a continue-as-new link: same level
      into.append(h("li", {}, link(kids[0], "chain-link chain-descendant")));
      n = kids[0];
      kids = n.children;
    }
    if (n.more && n !== here) into.append(h("li", { class: "hint" }, "More below: ", h("a", { href: execHref(n.executionArn) }, "continue from " + n.name)));
    if (kids.length > 1) {
      const sub = h("ol", { class: "chain chain-fan" });
      for (const k of kids) {
        const li = h("li", {}, link(k, "chain-link chain-descendant"));
        sub.append(li);
        if (k.children.length || k.more) {
          const inner = h("ol", { class: "chain" });
          down(k, inner);
          li.append(inner);
        }
      }
      into.append(h("li", { class: "chain-fan-item" }, sub));
    }
  };
  down(here, list);
  return list;
}

function legend() {
  const items = [["running", "Running"], ["succeeded", "Succeeded"], ["failed", "Failed"], ["caught", "Caught error"], ["not-reached", "Not reached"]];
  return h("ul", { class: "legend", "aria-label": "Legend" }, items.map(([k, t]) => h("li", {}, h("span", { class: "swatch", "data-status": k }), t)));
}

// eventTable renders events with a row each and expandable details.
function eventTable(events, progress, withState = true) {
  const body = h("tbody");
  const t0 = events.length ? events[0].timestamp : 0;
  for (const e of events) {
    const key = Object.keys(e).find((k) => k.endsWith("EventDetails"));
    const details = key ? e[key] : null;
    const row = h("tr", { "data-event": e.id, class: /(Failed|TimedOut|Aborted)$/.test(e.type) ? "bad" : "" });
    const expand = h("button", { type: "button", class: "expand", "aria-expanded": "false", disabled: !details, "aria-label": `Details of event ${e.id}` }, details ? "▸" : "");
    const detailRow = h("tr", { class: "details", hidden: true }, h("td", { colspan: withState ? 6 : 4 }, pre(JSON.stringify(expandJson(details), null, 2))));
    expand.addEventListener("click", () => {
      detailRow.hidden = !detailRow.hidden;
      expand.textContent = detailRow.hidden ? "▸" : "▾";
      expand.setAttribute("aria-expanded", String(!detailRow.hidden));
    });
    row.append(h("td", {}, expand), h("td", {}, String(e.id)), h("td", {}, e.type));
    if (withState) row.append(h("td", {}, progress.ownerOf(e.id)), h("td", {}, fmtTime(e.timestamp)));
    row.append(h("td", { class: "num" }, fmtDuration((e.timestamp - t0) * 1000)));
    body.append(row, detailRow);
  }
  const cols = ["", "ID", "Type", ...(withState ? ["State", "Timestamp"] : []), "Elapsed"];
  return h("table", { class: "list events" }, h("thead", {}, h("tr", {}, cols.map((c) => h("th", {}, c)))), body);
}

// expandJson shows JSON carried in strings (input, output, parameters) as JSON.
function expandJson(d) {
  if (!d) return d;
  const out = {};
  for (const [k, v] of Object.entries(d)) {
    if (typeof v === "string" && /^(input|output|parameters|cause)$/.test(k)) {
      try { out[k] = JSON.parse(v); continue; } catch { /* not JSON: keep the text */ }
    }
    out[k] = v;
  }
  return out;
}

// historyTable pages through GetExecutionHistory, 100 events a page, oldest first.
function historyTable(arn, progress) {
  const box = h("div", { class: "table-box" });
  const prev = h("button", { type: "button", id: "history-prev" }, "Previous");
  const next = h("button", { type: "button", id: "history-next" }, "Next");
  const info = h("span", { class: "hint", id: "history-page" });
  const tokens = [undefined];
  let page = 0, last = null;
  const load = async (p) => {
    const res = await sfn("GetExecutionHistory", { executionArn: arn, maxResults: HISTORY_PAGE, nextToken: tokens[p] });
    page = p;
    last = res;
    tokens[p + 1] = res.nextToken;
    box.replaceChildren(eventTable(res.events, progress, true));
    prev.disabled = p === 0;
    next.disabled = !res.nextToken;
    const from = p * HISTORY_PAGE + 1;
    info.textContent = res.events.length ? `Events ${from}–${from + res.events.length - 1} of ${progress.lastId}` : "No events";
  };
  prev.addEventListener("click", () => load(page - 1).catch(showError));
  next.addEventListener("click", () => load(page + 1).catch(showError));
  const el = h("div", {}, h("div", { class: "page-head" }, h("h2", {}, "Event history"), h("div", { class: "row pager" }, prev, info, next)), box);
  return {
    el,
    load,
    // refresh reloads the page shown when it is the last one (new events land there).
    refresh: () => (last && !last.nextToken ? load(page) : Promise.resolve()),
  };
}
