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
  const progress = new Progress(def);

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
  const graph = Graph.render(graphBox, def, (name) => { selected = name; drawPanel(); panel.focus(); }, { zoom: true });

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

  // picks: state name -> {entry, iteration} chosen in the step panel (see scopes.js).
  const picks = new Map();
  const parents = Scopes.parents(def);
  let shown = { view: {}, where: {} };
  function recolour() {
    shown = Scopes.resolve(def, progress, picks);
    graph.colour(shown.view, progress.ended);
    for (const [name, p] of picks) {
      const node = graphBox.querySelector(`g.node[data-state="${CSS.escape(name)}"]`);
      if (node && Number.isInteger(p.iteration)) {
        node.setAttribute("data-iteration", p.iteration);
        node.querySelector(":scope > text.count").textContent = `#${p.iteration}`;
      } else if (node) node.removeAttribute("data-iteration");
    }
  }
  function pick(name, change) {
    picks.set(name, { ...(picks.get(name) || {}), ...change });
    recolour();
    drawPanel(true);
  }

  // drawPanel redraws the step panel, keeping the focus on the control that had it (a pick,
  // or a redraw while the execution runs), and what was being typed in it unless picked.
  function drawPanel(picked = false) {
    if (!selected) return;
    const had = document.activeElement && panel.contains(document.activeElement) && document.activeElement.id ? document.activeElement : null;
    draw();
    const again = had && document.getElementById(had.id);
    if (!again) return;
    if (!picked && had.tagName === "INPUT") again.value = had.value;
    again.focus();
  }

  function draw() {
    const sdef = defs.get(selected);
    const where = shown.where[selected] || { scope: "", exact: true };
    const rec = shown.view[selected] && progress.rec(where.scope, selected);
    const e = where.exact ? Scopes.entryOf(rec, picks.get(selected)) : null;
    const p = e ? e.entry : rec;
    panel.hidden = false;
    panel.setAttribute("data-state", selected);
    panel.setAttribute("data-scope", p ? p.key : "");
    const close = h("button", { type: "button", class: "close", "aria-label": "Close step panel", onclick: () => { panel.hidden = true; selected = ""; graph.select(""); } }, "×");
    panel.replaceChildren(
      h("div", { class: "page-head" }, h("h2", {}, selected), close),
      h("p", {}, badge(p ? p.status.toUpperCase().replace("-", "_") : "NOT_REACHED"), " ", sdef ? sdef.Type : ""),
      ...runOf(selected, where),
      ...(e && rec.entries.length > 1 ? [entryPicker(rec.entries.length, e.index)] : []),
      ...(!where.exact && rec && rec.entered > 1 ? [h("p", { class: "hint", id: "step-summed" }, `Entered ${rec.entered} times in all; the latest is shown.`)] : []),
      ...(isDistributed(sdef) ? mapRunLinks(rec) : []), // the runs of every entry (a redrive re-enters)
      ...(e && Scopes.inline(sdef) ? iterationPicker(e.entry) : []),
      ...(e && sdef.Type === "Parallel" && Array.isArray(sdef.Branches) ? branchList(sdef, e.entry) : []),
      h("h3", {}, "Input"), p && p.input !== null ? pre(pretty(p.input), "step-input") : h("p", { class: "hint" }, "–"),
      h("h3", {}, "Output"), p && p.output !== null ? pre(pretty(p.output), "step-output") : h("p", { class: "hint" }, "–"),
      ...(sdef && sdef.Type === "Task" ? serviceCall(p ? p.events : []) : []),
      h("h3", {}, "Definition"), pre(JSON.stringify(sdef, null, 2), "step-def"),
      h("h3", {}, "Events"), eventTable(p ? p.events.slice(-200) : [], progress, false));
  }

  // serviceCall shows a Task's call to its service: the resource, the parameters it was
  // called with and what came back (the result, the submitted request of a .sync or callback
  // task, or the error), for its latest attempt, from the state's own events.
  function serviceCall(events) {
    const scheduledTypes = ["TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"];
    let at = -1;
    events.forEach((e, i) => { if (scheduledTypes.includes(e.type)) at = i; });
    if (at < 0) return [h("h3", {}, "Service call"), h("p", { class: "hint", id: "step-call" }, "Not called yet.")];
    const attempts = events.filter((e) => scheduledTypes.includes(e.type)).length;
    const sched = events[at];
    const d = sched.taskScheduledEventDetails || sched.lambdaFunctionScheduledEventDetails || sched.activityScheduledEventDetails || {};
    const resource = d.resourceType ? `${d.resourceType}:${d.resource}` : d.resource || "";
    const out = [h("h3", {}, "Service call"),
      h("p", { id: "step-call" }, h("code", { class: "step-resource" }, resource), d.region ? ` in ${d.region}` : "",
        attempts > 1 ? ` · attempt ${attempts} of ${attempts}` : ""),
      h("h4", {}, "Parameters"), pre(pretty(d.parameters !== undefined ? d.parameters : d.input), "step-call-params")];
    let result = null;
    for (const e of events.slice(at + 1)) {
      const k = Object.keys(e).find((x) => x.endsWith("EventDetails"));
      const x = (k && e[k]) || {};
      if (/(Succeeded|Submitted)$/.test(e.type)) result = { label: e.type === "TaskSubmitted" ? "Submitted" : "Result", text: pretty(x.output), cls: "step-call-result" };
      if (/(Failed|TimedOut)$/.test(e.type) && !/State/.test(e.type)) result = { label: "Error", text: [x.error, x.cause].filter((v) => v !== undefined).map(pretty).join("\n"), cls: "step-call-error" };
    }
    if (result) out.push(h("h4", {}, result.label), pre(result.text, result.cls));
    else out.push(h("p", { class: "hint" }, "Waiting for the answer."));
    return out;
  }

  // runOf says which run of a nested state the panel shows: the iteration or branch it is
  // in, with a button to its container, or how to pick one.
  function runOf(name, where) {
    const up = parents.get(name);
    if (!up) return [];
    const toParent = h("button", { type: "button", class: "link-button", id: "step-parent", onclick: () => { graph.select(up.name); panel.focus(); } }, up.name);
    const it = where.scope.match(/#(\d+)$/);
    if (up.kind === "map" && where.exact && it) return [h("p", { id: "step-run" }, `Iteration ${it[1]} of Map `, toParent)];
    if (up.kind === "branch" && where.exact) return [h("p", { id: "step-run" }, `Branch ${up.index + 1} of `, toParent)];
    if (up.kind === "map") return [h("p", { class: "hint", id: "step-run" }, "All iterations of ", toParent, ": pick one in its panel to see its run.")];
    return [h("p", { class: "hint", id: "step-run" }, `Branch ${up.index + 1} of `, toParent, ", all runs.")];
  }

  // entryPicker chooses which entry of a state entered several times (a loop) is shown.
  function entryPicker(n, i) {
    const go = (k) => pick(selected, { entry: Math.max(0, Math.min(n - 1, k)) });
    const num = h("input", { type: "number", id: "step-entry", min: 1, max: n, value: i + 1, "aria-label": "Entry number", class: "num-input" });
    num.addEventListener("change", () => { const k = parseInt(num.value, 10); if (k >= 1 && k <= n) go(k - 1); });
    return h("div", { class: "row picker", role: "group", "aria-label": "Entry" },
      h("span", {}, "Entry"),
      h("button", { type: "button", id: "step-entry-prev", disabled: i === 0, "aria-label": "Previous entry", onclick: () => go(i - 1) }, "‹"),
      num, h("span", { id: "step-entry-of" }, `of ${n}`),
      h("button", { type: "button", id: "step-entry-next", disabled: i === n - 1, "aria-label": "Next entry", onclick: () => go(i + 1) }, "›"));
  }

  // iterationPicker lists an inline Map entry's iterations: counts by status, a number with
  // previous and next, and the first 100 of a status (clicking one picks it).
  function iterationPicker(entry) {
    const its = entry.iterations;
    const n = its.length;
    const cur = picks.get(selected) || {};
    const i = Number.isInteger(cur.iteration) && its[cur.iteration] ? cur.iteration : null;
    const filter = cur.filter || "";
    const counts = {};
    for (const it of its) if (it) counts[it.status] = (counts[it.status] || 0) + 1;
    const go = (k) => pick(selected, { iteration: Math.max(0, Math.min(n - 1, k)) });
    const num = h("input", { type: "number", id: "step-iter", min: 0, max: Math.max(0, n - 1), value: i === null ? "" : i, placeholder: "all", "aria-label": "Iteration index", class: "num-input" });
    num.addEventListener("change", () => { const k = parseInt(num.value, 10); if (k >= 0 && k < n) go(k); else if (num.value === "") pick(selected, { iteration: null }); });
    const sel = h("select", { id: "step-iter-filter", "aria-label": "Show iterations" },
      ["", "running", "succeeded", "failed", "aborted"].map((s) => h("option", { value: s, selected: s === filter }, s ? `${s} (${counts[s] || 0})` : `all (${n})`)));
    sel.addEventListener("change", () => pick(selected, { filter: sel.value }));
    const list = h("ul", { class: "iterations", id: "step-iterations" });
    let shownN = 0, more = 0;
    for (const it of its) {
      if (!it || (filter && it.status !== filter)) continue;
      if (shownN++ >= 100) { more++; continue; }
      list.append(h("li", {}, h("button", { type: "button", id: `step-iteration-${it.index}`, class: "iteration" + (it.index === i ? " current" : ""), "data-index": it.index, "data-status": it.status,
        "aria-pressed": String(it.index === i), "aria-label": `Iteration ${it.index}, ${it.status}`, onclick: () => go(it.index) }, String(it.index))));
    }
    return [h("h3", {}, "Iterations"),
      h("p", { id: "step-iter-counts" }, n ? `${n} iteration${n > 1 ? "s" : ""}: ` + ["succeeded", "failed", "aborted", "running"].filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`).join(", ") +
        (entry.length > n ? `; ${entry.length - n} of ${entry.length} items not started` : "") : "None started yet."),
      n ? h("div", { class: "row picker", role: "group", "aria-label": "Iteration" },
        h("button", { type: "button", id: "step-iter-prev", disabled: i === 0 || !n, "aria-label": "Previous iteration", onclick: () => go(i === null ? 0 : i - 1) }, "‹"),
        num,
        h("button", { type: "button", id: "step-iter-next", disabled: i === n - 1, "aria-label": "Next iteration", onclick: () => go(i === null ? 0 : i + 1) }, "›"),
        i !== null ? badge(its[i].status.toUpperCase()) : h("span", { class: "hint" }, "all iterations"),
        i !== null ? h("button", { type: "button", id: "step-iter-all", onclick: () => pick(selected, { iteration: null }) }, "Show all") : null) : null,
      n ? h("div", { class: "row" }, sel, more ? h("span", { class: "hint" }, `and ${more} more: type an index`) : null) : null,
      n ? list : null,
      i !== null ? h("p", { class: "hint" }, "The item processor is coloured by this iteration; select one of its states to see its run.") : null];
  }

  // branchList shows a Parallel entry's branches with the status of each.
  function branchList(sdef, entry) {
    return [h("h3", {}, "Branches"), h("ul", { class: "branches", id: "step-branches" }, sdef.Branches.map((b, i) => {
      const names = Object.keys(Scopes.statesOf(b));
      const st = scopeStatus(progress, entry.key + "%" + i, names);
      const first = b && b.StartAt;
      return h("li", { "data-branch": i, "data-status": st }, badge(st.toUpperCase().replace("-", "_")), " ",
        first ? h("button", { type: "button", class: "link-button", onclick: () => { graph.select(first); panel.focus(); } }, `Branch ${i + 1}`) : `Branch ${i + 1}`,
        h("span", { class: "hint" }, ` (${names.length} state${names.length === 1 ? "" : "s"})`));
    }))];
  }

  // The progress is rebuilt from the whole history once (1,000 events a page), then kept up
  // to date by reading newest-first until an event already seen.
  async function loadAll() {
    let token;
    do {
      const res = await sfn("GetExecutionHistory", { executionArn: arn, maxResults: 1000, nextToken: token });
      progress.add(res.events);
      recolour(); // a long history colours as it loads
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

  const table = historyTable(progress);
  historyBox.append(table.el);

  // expressChildren are the Express executions this one's startExecution tasks started. They
  // are not stored: they are read from the tasks' results in the history (a .sync task's
  // gives the child's end), and their pages show their log events when the server keeps them.
  function expressChildren() {
    const found = new Map();
    for (const e of progress.events) {
      const d = e.taskSubmittedEventDetails || e.taskSucceededEventDetails || e.taskFailedEventDetails;
      if (!d || !/^startExecution/.test(d.resource || "") || (d.resourceType !== "states" && d.resourceType !== "aws-sdk:sfn")) continue;
      let v;
      try { v = JSON.parse(d.output !== undefined ? d.output : d.cause); } catch { continue; }
      const a = v && v.ExecutionArn;
      if (typeof a !== "string" || a.split(":")[5] !== "express") continue;
      const seen = found.get(a) || { arn: a, startDate: v.StartDate / 1000 };
      if (v.Status) seen.status = v.Status;
      found.set(a, seen);
    }
    return [...found.values()];
  }

  async function drawChildren() {
    const res = await children(arn);
    const express = expressChildren();
    kids.hidden = !res.executions.length && !express.length;
    kids.replaceChildren(h("h2", {}, "Executions started by this one"),
      h("ul", { class: "children" }, res.executions.map((c) => h("li", {},
        h("a", { href: execHref(c.executionArn), class: "child-link", "data-state-machine": nameOf(c.stateMachineArn) }, c.name), " ", badge(c.status),
        h("span", { class: "hint" }, ` ${nameOf(c.stateMachineArn)} · ${fmtTime(c.startDate)}`))),
      ...express.map((c) => h("li", {},
        h("a", { href: expressHref(c.arn), class: "child-link express-child", "data-state-machine": c.arn.split(":")[6] }, expressName(c.arn)), " ",
        c.status ? badge(c.status) : h("span", { class: "hint" }, "started"),
        h("span", { class: "hint" }, ` ${c.arn.split(":")[6]} (Express) · ${fmtTime(c.startDate)}`)))),
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
    recolour();
    drawPanel();
    await Promise.all([drawChildren(), drawChain(), table.refresh(), runs.load()]);
  }

  drawHead();
  await loadAll();
  await Promise.all([drawChildren().catch(showError), drawChain().catch(showError), runs.load().catch(showError)]);
  table.draw();
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

// FAILURE matches the types of the events that report an error.
const FAILURE = /(Failed|TimedOut|Aborted)$/;
// ITERATION is a history filter that ends in an iteration's number, as the State column shows it.
const ITERATION = /#\d+$/;

// eventTable renders events with a row each and expandable details. Elapsed counts from t0
// (by default the first event shown); empty is what an empty table says. The State column
// names the event's state, then the iteration or branch it ran in, if any (progress.js).
function eventTable(events, progress, withState = true, t0 = events.length ? events[0].timestamp : 0, empty = "") {
  const body = h("tbody");
  for (const e of events) {
    const key = Object.keys(e).find((k) => k.endsWith("EventDetails"));
    const details = key ? e[key] : null;
    const row = h("tr", { "data-event": e.id, class: FAILURE.test(e.type) ? "bad" : "" });
    const expand = h("button", { type: "button", class: "expand", "aria-expanded": "false", disabled: !details, "aria-label": `Details of event ${e.id}` }, details ? "▸" : "");
    const detailRow = h("tr", { class: "details", hidden: true }, h("td", { colspan: withState ? 6 : 4 }, pre(JSON.stringify(expandJson(details), null, 2))));
    expand.addEventListener("click", () => {
      detailRow.hidden = !detailRow.hidden;
      expand.textContent = detailRow.hidden ? "▸" : "▾";
      expand.setAttribute("aria-expanded", String(!detailRow.hidden));
    });
    row.append(h("td", {}, expand), h("td", {}, String(e.id)), h("td", {}, e.type));
    if (withState) {
      const scope = progress.scopeOf(e.id);
      row.append(h("td", {}, h("span", { class: "state-name" }, progress.ownerOf(e.id)), scope ? h("span", { class: "scope" }, " · " + scope) : null),
        h("td", {}, fmtTime(e.timestamp)));
    }
    row.append(h("td", { class: "num" }, fmtDuration((e.timestamp - t0) * 1000)));
    body.append(row, detailRow);
  }
  const cols = ["", "ID", "Type", ...(withState ? ["State", "Timestamp"] : []), "Elapsed"];
  if (!events.length && empty) body.append(h("tr", {}, h("td", { class: "empty", colspan: cols.length }, empty)));
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

// historyTable shows the history the page has read for the graph (progress.events: the whole
// of it, kept up to date while the execution runs), 100 events a page, oldest first: nothing
// is fetched again. The filter box keeps the events whose type, state (with its iteration or
// branch: "#3", "Branch 2") or details contain its text (in any case); the type selector keeps the failures or one type. Both filter the whole
// history, and the pages then page through what is kept.
function historyTable(progress) {
  const box = h("div", { class: "table-box" });
  const prev = h("button", { type: "button", id: "history-prev" }, "Previous");
  const next = h("button", { type: "button", id: "history-next" }, "Next");
  const info = h("span", { class: "hint", id: "history-page" });
  const text = h("input", { type: "search", id: "history-filter", placeholder: "Filter by type, state or details", "aria-label": "Filter events by type, state or details" });
  const kind = h("select", { id: "history-type", "aria-label": "Event type" });
  const count = h("span", { class: "hint", id: "history-count", "aria-live": "polite" });
  let page = 0, drawn = -1, timer = 0;

  // The text searched in an event: its type, its state and its details, lower case; made on
  // the first search and kept.
  const texts = new Map();
  const textOf = (e) => {
    let s = texts.get(e.id);
    if (s === undefined) {
      const key = Object.keys(e).find((k) => k.endsWith("EventDetails"));
      s = `${e.type}\n${progress.ownerOf(e.id)}\n${progress.scopeOf(e.id)}\n${key ? JSON.stringify(e[key]) : ""}`.toLowerCase();
      texts.set(e.id, s);
    }
    return s;
  };
  // contains is substring search, except that a query ending in an iteration's number (#2)
  // matches that iteration only, not #20 or #200.
  const contains = (s, q) => {
    if (!ITERATION.test(q)) return s.includes(q);
    for (let i = s.indexOf(q); i >= 0; i = s.indexOf(q, i + 1)) {
      const next = s.charAt(i + q.length);
      if (next < "0" || next > "9") return true;
    }
    return false;
  };
  // The type selector: all, the failures, then each type in the history (added as they come).
  const types = new Set();
  let scanned = 0;
  const addTypes = () => {
    const evs = progress.events;
    const before = types.size;
    for (; scanned < evs.length; scanned++) types.add(evs[scanned].type);
    if (types.size === before) return;
    const keep = kind.value;
    kind.replaceChildren(h("option", { value: "" }, "All event types"),
      h("option", { value: "failures" }, "Failures (…Failed, …TimedOut, …Aborted)"),
      h("optgroup", { label: "Event type" }, [...types].sort().map((t) => h("option", { value: t }, t))));
    kind.value = keep;
  };
  const kept = () => {
    const q = text.value.trim().toLowerCase(), t = kind.value, all = progress.events;
    if (!q && !t) return all;
    return all.filter((e) => (!t || (t === "failures" ? FAILURE.test(e.type) : e.type === t)) && (!q || contains(textOf(e), q)));
  };
  // draw shows the page (the last page if there are fewer now); rows false keeps the table
  // (and its open details) and updates the pager and counts only.
  const draw = (rows = true) => {
    addTypes();
    const all = progress.events, evs = kept();
    const pages = Math.max(1, Math.ceil(evs.length / HISTORY_PAGE));
    page = Math.max(0, Math.min(page, pages - 1));
    const from = page * HISTORY_PAGE, shown = evs.slice(from, from + HISTORY_PAGE);
    if (rows) box.replaceChildren(eventTable(shown, progress, true, all.length ? all[0].timestamp : 0, all.length ? "No events match the filter." : "No events."));
    drawn = all.length;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
    info.textContent = shown.length ? `Events ${from + 1}–${from + shown.length} of ${evs.length}` : "No events";
    count.textContent = evs === all ? `${all.length} event${all.length === 1 ? "" : "s"}` : `${evs.length} of ${all.length} events`;
    box.setAttribute("data-filtered", String(evs !== all));
  };
  const refilter = () => { page = 0; draw(); };
  prev.addEventListener("click", () => { page--; draw(); });
  next.addEventListener("click", () => { page++; draw(); });
  text.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refilter, 150); });
  kind.addEventListener("change", refilter);
  const el = h("div", {},
    h("div", { class: "page-head" }, h("h2", {}, "Event history"), h("div", { class: "row pager" }, prev, info, next)),
    h("div", { class: "row history-filter", role: "search" }, text, kind, count),
    box);
  return {
    el,
    draw,
    // refresh shows the events that came in: the table is redrawn when they may land on the
    // page shown (the last one), else only the pager and the counts change.
    refresh() {
      if (progress.events.length === drawn) return;
      const last = next.disabled;
      draw(last);
    },
  };
}
