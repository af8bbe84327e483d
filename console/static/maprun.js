// Stepwise console: Distributed Map runs — the run page (status, limits, counts, child
// executions), and the helpers the execution page uses to link runs and their children.
"use strict";

// Child executions a page of the run page (a script-level binding, so a test may lower it).
let MAP_RUN_PAGE = 50;

const mapRunHref = (arn) => "#/map-runs/" + encodeURIComponent(arn);

// mapRunLabel is LABEL in arn:...:mapRun:MACHINE/LABEL:UUID.
function mapRunLabel(arn) {
  const parts = (arn || "").split(":");
  const path = parts.length > 6 ? parts[6] : "";
  return path.slice(path.lastIndexOf("/") + 1);
}

const isDistributed = (s) => s && s.Type === "Map" && ((s.ItemProcessor || {}).ProcessorConfig || {}).Mode === "DISTRIBUTED";

// mapStateOf names the Distributed Map state of the parent's definition that started a run:
// the one labelled as the run, else the only one; else the owner of the run's MapRunStarted
// event in the parent's history (a Map without a Label gets a random one).
async function mapStateOf(def, run) {
  const maps = [...Graph.stateDefs(def)].filter(([, s]) => isDistributed(s));
  const label = mapRunLabel(run.mapRunArn);
  const named = maps.find(([, s]) => s.Label === label);
  if (named) return named[0];
  if (maps.length === 1) return maps[0][0];
  const progress = new Progress(def);
  let token;
  do {
    const res = await sfn("GetExecutionHistory", { executionArn: run.executionArn, maxResults: 1000, nextToken: token });
    progress.add(res.events);
    const started = res.events.find((e) => e.type === "MapRunStarted" && e.mapRunStartedEventDetails?.mapRunArn === run.mapRunArn);
    if (started) return progress.ownerOf(started.id);
    token = res.nextToken;
  } while (token);
  return "";
}

// childContext reads what a Distributed Map's child execution needs from its run: the run,
// the parent execution, and the definition it runs (the Map state's item processor), since
// DescribeStateMachineForExecution does not answer for children.
async function childContext(ex) {
  const run = await sfn("DescribeMapRun", { mapRunArn: ex.mapRunArn });
  const parentSm = await sfn("DescribeStateMachineForExecution", { executionArn: run.executionArn });
  let parentDef = {};
  try { parentDef = JSON.parse(parentSm.definition); } catch { /* nothing to draw */ }
  const state = await mapStateOf(parentDef, run);
  const sdef = Graph.stateDefs(parentDef).get(state) || {};
  return { run, state, def: sdef.ItemProcessor || sdef.Iterator || {}, parentSm };
}

// mapRunsPanel lists an execution's Distributed Map runs (ListMapRuns); it stays hidden when
// there are none.
function mapRunsPanel(arn) {
  const el = h("section", { class: "panel", id: "map-runs", hidden: true });
  const load = async () => {
    const res = await sfn("ListMapRuns", { executionArn: arn, maxResults: 100 });
    el.hidden = !res.mapRuns.length;
    if (!res.mapRuns.length) return;
    // ListMapRuns carries no status: the newest runs are described.
    const status = await Promise.all(res.mapRuns.map((r, i) => (i < 20 ? sfn("DescribeMapRun", { mapRunArn: r.mapRunArn }).then((d) => d.status, () => "") : "")));
    el.replaceChildren(h("h2", {}, "Map runs"),
      h("div", { class: "table-box" }, h("table", { class: "list" },
        h("thead", {}, h("tr", {}, h("th", {}, "Map run"), h("th", {}, "Status"), h("th", {}, "Started"), h("th", {}, "Stopped"))),
        h("tbody", {}, res.mapRuns.map((r, i) => h("tr", {},
          h("td", {}, h("a", { class: "map-run-link", href: mapRunHref(r.mapRunArn), "data-label": mapRunLabel(r.mapRunArn) }, mapRunLabel(r.mapRunArn) + " · " + nameOf(r.mapRunArn))),
          h("td", {}, status[i] ? badge(status[i]) : "–"),
          h("td", {}, fmtTime(r.startDate)), h("td", {}, r.stopDate ? fmtTime(r.stopDate) : "running")))))),
      ...(res.nextToken ? [h("p", { class: "hint" }, "Showing the newest 100.")] : []));
  };
  return { el, load };
}

// The counts of DescribeMapRun, in the order the AWS console shows them.
const COUNTS = [["pending", "Pending"], ["running", "Running"], ["succeeded", "Succeeded"], ["failed", "Failed"],
  ["timedOut", "Timed out"], ["aborted", "Aborted"], ["total", "Total"], ["resultsWritten", "Results written"]];

async function mapRunPage(app, arn) {
  let run = await sfn("DescribeMapRun", { mapRunArn: arn });
  let parent = await sfn("DescribeExecution", { executionArn: run.executionArn });
  let state = "";
  try {
    const sm = await sfn("DescribeStateMachineForExecution", { executionArn: run.executionArn });
    state = await mapStateOf(JSON.parse(sm.definition), run);
  } catch (err) { showError(err); }

  const head = h("div", { class: "page-head" });
  const facts = h("dl", { class: "facts", id: "maprun-facts" });
  const bar = h("div", { class: "run-bar", id: "maprun-bar", role: "img" });
  const counts = h("tbody");
  const settings = settingsForm();
  const redrive = h("button", { type: "button", id: "maprun-redrive", title: "Redrive the parent execution: the run's failed and aborted children run again" }, "Redrive parent execution");
  redrive.addEventListener("click", async () => {
    redrive.disabled = true;
    try {
      await sfn("RedriveExecution", { executionArn: run.executionArn, clientToken: uuid() });
      await refresh();
    } catch (err) { showError(err); } finally { redrive.disabled = false; }
  });
  const list = childList(arn);
  app.append(head, facts,
    h("div", { class: "split" },
      h("section", { class: "panel grow", id: "maprun-counts" }, h("h2", {}, "Item processing status"), bar,
        h("div", { class: "table-box" }, h("table", { class: "list counts" },
          h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", { class: "num" }, "Items"), h("th", { class: "num" }, "Child executions"))), counts))),
      settings.el),
    list.el);

  function draw() {
    const c = run.itemCounts || {}, x = run.executionCounts || {};
    redrive.hidden = !/^(FAILED|ABORTED)$/.test(run.status) || !/^(FAILED|TIMED_OUT|ABORTED)$/.test(parent.status) || parent.redriveStatus === "NOT_REDRIVABLE";
    head.replaceChildren(
      h("div", {},
        h("div", { class: "crumbs" }, h("a", { href: "#/" }, "State machines"), " / ",
          h("a", { href: smHref(parent.stateMachineArn) }, nameOf(parent.stateMachineArn)), " / ",
          h("a", { href: execHref(run.executionArn) }, parent.name), " / "),
        h("h1", {}, "Map run ", mapRunLabel(arn), " ", badge(run.status))),
      h("div", { class: "row" }, redrive));
    const end = run.stopDate ? run.stopDate * 1000 : Date.now();
    facts.replaceChildren(
      h("dt", {}, "Status"), h("dd", { id: "maprun-status" }, run.status),
      h("dt", {}, "Parent execution"), h("dd", {}, h("a", { id: "maprun-parent", href: execHref(run.executionArn) }, parent.name), " ", badge(parent.status)),
      h("dt", {}, "Map state"), h("dd", { id: "maprun-state" }, state || "–"),
      h("dt", {}, "Started"), h("dd", {}, fmtTime(run.startDate)),
      h("dt", {}, "Stopped"), h("dd", {}, fmtTime(run.stopDate)),
      h("dt", {}, "Duration"), h("dd", {}, fmtDuration(end - run.startDate * 1000) + (run.stopDate ? "" : " (running)")),
      h("dt", {}, "ARN"), h("dd", { class: "mono" }, arn));
    counts.replaceChildren(...COUNTS.map(([k, label]) => h("tr", { "data-count": k },
      h("th", { scope: "row" }, label), h("td", { class: "num item-count" }, String(c[k] ?? 0)), h("td", { class: "num exec-count" }, String(x[k] ?? 0)))));
    const total = c.total || 0;
    bar.setAttribute("aria-label", COUNTS.slice(0, 6).map(([k, label]) => `${label} ${c[k] || 0}`).join(", ") + ` of ${total}`);
    bar.replaceChildren(...["succeeded", "failed", "aborted", "timedOut", "running", "pending"].filter((k) => c[k]).map((k) =>
      h("span", { class: "seg seg-" + k, style: `flex-grow: ${c[k]}`, title: `${k}: ${c[k]}` })));
    settings.set(run);
  }

  function settingsForm() {
    const field = (id, label, hint, attrs) => {
      const input = h("input", { id, type: "number", min: 0, inputmode: "decimal", "aria-describedby": id + "-hint", ...attrs });
      return { input, el: h("label", { for: id }, label, input, h("span", { class: "hint", id: id + "-hint" }, hint)) };
    };
    const conc = field("mr-max-concurrency", "Maximum concurrency", "Child executions at once; 0: no limit.", { step: 1 });
    const count = field("mr-tolerated-count", "Tolerated failure count", "Failed items before the run fails.", { step: 1 });
    const pct = field("mr-tolerated-pct", "Tolerated failure percentage", "0 to 100.", { step: "any", max: 100 });
    const save = h("button", { type: "submit", class: "primary", id: "mr-save" }, "Save");
    const msg = h("p", { class: "hint", id: "mr-msg", role: "status" });
    const note = h("p", { class: "hint", id: "mr-note" });
    const form = h("form", { class: "panel start-form", id: "maprun-settings", novalidate: true }, // the server's messages
      h("h2", {}, "Settings"), note, conc.el, count.el, pct.el, h("div", { class: "row" }, save), msg);
    let shown = null; // the values last shown, to leave a field being edited alone
    const set = (r) => {
      const running = r.status === "RUNNING";
      for (const [f, v] of [[conc.input, r.maxConcurrency], [count.input, r.toleratedFailureCount], [pct.input, r.toleratedFailurePercentage]]) {
        if (!shown || f.value === String(shown.get(f))) f.value = String(v ?? 0);
        f.disabled = !running;
      }
      shown = new Map([[conc.input, r.maxConcurrency ?? 0], [count.input, r.toleratedFailureCount ?? 0], [pct.input, r.toleratedFailurePercentage ?? 0]].map(([f, v]) => [f, String(v)]));
      save.disabled = !running;
      note.textContent = running ? "Changes apply to child executions not started yet and to failures still to come." : `The run is ${r.status}: its settings can no longer be changed.`;
    };
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      save.disabled = true;
      msg.className = "hint";
      msg.textContent = "Saving…";
      const num = (f) => (f.value.trim() === "" ? undefined : Number(f.value));
      try {
        await sfn("UpdateMapRun", { mapRunArn: arn, maxConcurrency: num(conc.input), toleratedFailureCount: num(count.input), toleratedFailurePercentage: num(pct.input) });
        shown = null;
        await refresh();
        msg.textContent = "Saved.";
      } catch (err) {
        msg.className = "hint bad";
        msg.setAttribute("role", "alert");
        msg.textContent = err.message;
      } finally { save.disabled = run.status !== "RUNNING"; }
    });
    // An edit clears the last answer (an error stays until the values change).
    form.addEventListener("input", () => { msg.className = "hint"; msg.setAttribute("role", "status"); msg.textContent = ""; });
    return { el: form, set };
  }

  async function refresh() {
    [run, parent] = await Promise.all([sfn("DescribeMapRun", { mapRunArn: arn }), sfn("DescribeExecution", { executionArn: run.executionArn })]);
    draw();
    await list.reload();
  }

  draw();
  await list.reload();
  app.querySelector("#maprun-counts").setAttribute("data-ready", "true");

  // Live while RUNNING; a failed or aborted run is still watched, more slowly, since a redrive
  // of its parent runs it again. A run that succeeded never changes.
  let busy = false, last = 0;
  const timer = setInterval(async () => {
    if (busy || run.status === "SUCCEEDED") return;
    if (run.status !== "RUNNING" && Date.now() - last < 5000) return;
    busy = true;
    last = Date.now();
    try { await refresh(); } catch (err) { showError(err); } finally { busy = false; }
  }, 1000);
  onLeave(() => clearInterval(timer));
}

// childList is the run's child executions (ListExecutions by mapRunArn) with a status filter
// and paging.
function childList(runArn) {
  const filter = h("select", { id: "mr-status-filter", "aria-label": "Status filter" },
    ["", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"].map((s) => h("option", { value: s }, s || "All statuses")));
  const body = h("tbody");
  const prev = h("button", { type: "button", id: "mr-prev" }, "Previous");
  const next = h("button", { type: "button", id: "mr-next" }, "Next");
  const pageNo = h("span", { class: "hint", id: "mr-page" });
  let tokens = [undefined], page = 0;
  const reload = async () => {
    const res = await sfn("ListExecutions", { mapRunArn: runArn, statusFilter: filter.value || undefined, maxResults: MAP_RUN_PAGE, nextToken: tokens[page] });
    tokens[page + 1] = res.nextToken;
    prev.disabled = page === 0;
    next.disabled = !res.nextToken;
    pageNo.textContent = `Page ${page + 1}`;
    body.replaceChildren(...res.executions.map((ex) => h("tr", { "data-status": ex.status },
      h("td", { class: "mono" }, h("a", { class: "child-exec-link", href: execHref(ex.executionArn) }, ex.name)), h("td", {}, badge(ex.status)),
      h("td", {}, fmtTime(ex.startDate)), h("td", {}, fmtTime(ex.stopDate)),
      h("td", {}, ex.stopDate ? fmtDuration((ex.stopDate - ex.startDate) * 1000) : "–"))));
    if (!res.executions.length) body.append(h("tr", {}, h("td", { colspan: 5, class: "empty" }, filter.value ? `No ${filter.value} child executions.` : "No child executions yet.")));
  };
  filter.addEventListener("change", () => { tokens = [undefined]; page = 0; reload().catch(showError); });
  prev.addEventListener("click", () => { page--; reload().catch(showError); });
  next.addEventListener("click", () => { page++; reload().catch(showError); });
  const el = h("section", { class: "panel", id: "maprun-children" },
    h("div", { class: "page-head" }, h("h2", {}, "Child executions"), h("div", { class: "row" }, filter)),
    h("div", { class: "table-box" }, h("table", { class: "list" },
      h("thead", {}, h("tr", {}, ["Name", "Status", "Started", "Stopped", "Duration"].map((c) => h("th", {}, c)))), body)),
    h("div", { class: "row pager" }, prev, pageNo, next));
  return { el, reload };
}
