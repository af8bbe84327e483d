// Stepwise console: the pages. The browser calls the Step Functions API itself (POST / with
// X-Amz-Target), and /console/api/children for the executions an execution started.
"use strict";

// ---- helpers -----------------------------------------------------------------------------

// The errors that mean "not signed in" (or a session whose key was deleted) under --enforce-iam.
const SIGNED_OUT = new Set(["MissingAuthenticationTokenException", "UnrecognizedClientException", "InvalidSignatureException"]);

// apiError makes an Error of an API answer; err.type is the exception's name. Access denied
// is spelt out; a lost session sends the console to its sign-in page.
function apiError(res, data) {
  const type = data.__type || String(res.status);
  const msg = type === "AccessDeniedException" ? `Access denied: ${data.message}` : `${type}: ${data.message || res.statusText}`;
  const err = new Error(msg);
  err.type = type;
  if (session.iam && SIGNED_OUT.has(type)) {
    session.signedIn = false;
    if (!location.hash.startsWith("#/sign-in")) setTimeout(route, 0);
  }
  return err;
}

async function sfn(action, body) {
  const res = await fetch("/", {
    method: "POST",
    headers: { "X-Amz-Target": "AWSStepFunctions." + action, "Content-Type": "application/x-amz-json-1.0" },
    body: JSON.stringify(body || {}),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw apiError(res, data);
  return data;
}

async function consoleAPI(path, params) {
  const res = await fetch("/console/api/" + path + "?" + new URLSearchParams(params));
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw apiError(res, data);
  return data;
}

const children = (arn, nextToken) => consoleAPI("children", nextToken ? { executionArn: arn, nextToken } : { executionArn: arn });
const chain = (arn) => consoleAPI("chain", { executionArn: arn });

// h builds an element: h("a", {href, class, onclick}, child, "text", ...).
function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "text") e.textContent = v;
    else if (k === "style") e.style.cssText = v; // CSSOM: the page's CSP allows no style attributes
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) e.append(k);
  return e;
}

const smHref = (arn) => "#/state-machines/" + encodeURIComponent(arn);
const execHref = (arn) => "#/executions/" + encodeURIComponent(arn);
const nameOf = (arn) => (arn || "").split(":").pop();
const badge = (status) => h("span", { class: "badge status-" + String(status).toLowerCase(), text: status });

function fmtTime(epoch) {
  if (epoch === undefined || epoch === null) return "–";
  const d = new Date(epoch * 1000);
  const p = (n, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function fmtDuration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(3)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function pretty(text) {
  if (text === undefined || text === null) return "";
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return String(text); }
}

const pre = (text, cls) => h("pre", { class: "json " + (cls || "") }, text);

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function showError(err) {
  const box = document.getElementById("error");
  box.textContent = err ? String(err.message || err) : "";
  box.hidden = !err;
  box.dataset.type = (err && err.type) || "";
  if (err) { console.warn(err); box.scrollIntoView({ block: "nearest" }); }
}

// ---- signing in (serve --enforce-iam) -----------------------------------------------------

// session mirrors GET /console/api/session: {iam, signedIn, arn, accessKeyId}. The secret
// access key is sent once, to sign in, and kept only by the server; the browser holds an
// HttpOnly session cookie.
let session = { iam: false, signedIn: false };

async function sessionCall(path) {
  const res = await fetch("/console/api/" + path, path === "session" ? {} : { method: "POST", headers: { "X-Stepwise-Console": "1" } });
  session = await res.json();
  drawWho();
}

function drawWho() {
  const who = document.getElementById("who");
  who.hidden = !session.iam;
  if (!session.iam) return;
  who.replaceChildren(...(session.signedIn ? [
    h("span", { class: "who-arn", title: session.accessKeyId }, session.arn),
    h("button", { type: "button", id: "sign-out", onclick: () => sessionCall("signout").then(() => { location.hash = "#/"; route(); }).catch(showError) }, "Sign out"),
  ] : [h("span", {}, "Not signed in")]));
}

function signInPage(app) {
  const id = h("input", { id: "access-key-id", autocomplete: "username", spellcheck: "false", required: true });
  const secret = h("input", { id: "secret-access-key", type: "password", autocomplete: "current-password", required: true });
  const go = h("button", { type: "submit", class: "primary", id: "sign-in" }, "Sign in");
  const msg = h("p", { class: "hint bad", id: "sign-in-msg", role: "alert" });
  const form = h("form", { class: "panel sign-in", id: "sign-in-form" },
    h("h1", {}, "Sign in"),
    h("p", { class: "hint" }, "This server enforces IAM. Sign in with an access key; the console then acts with that key's permissions. The secret is sent once to the server, which keeps it for the session (8 hours, or until you sign out) — it is not stored in this browser."),
    h("label", {}, "Access key ID", id), h("label", {}, "Secret access key", secret), h("div", { class: "row" }, go), msg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    go.disabled = true;
    msg.textContent = "";
    try {
      const res = await fetch("/console/api/signin", { method: "POST", headers: { "Content-Type": "application/json", "X-Stepwise-Console": "1" },
        body: JSON.stringify({ accessKeyId: id.value, secretAccessKey: secret.value }) });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(`${data.__type || res.status}: ${data.message || res.statusText}`);
      session = data;
      secret.value = "";
      drawWho();
      if (location.hash.startsWith("#/sign-in")) location.hash = "#/";
      else route();
    } catch (err) {
      msg.textContent = err.message;
      go.disabled = false;
      secret.select();
    }
  });
  app.append(form);
  id.focus();
}

// ---- routing -----------------------------------------------------------------------------

let disposers = [];
const onLeave = (f) => disposers.push(f);

async function route() {
  disposers.forEach((f) => f());
  disposers = [];
  showError(null);
  const app = document.getElementById("app");
  app.textContent = "";
  const hash = location.hash.replace(/^#/, "") || "/";
  const parts = hash.split("/").filter(Boolean).map(decodeURIComponent);
  document.querySelectorAll("nav a").forEach((a) => a.removeAttribute("aria-current"));
  try {
    if (session.iam && !session.signedIn) signInPage(app);
    else if (parts[0] === "state-machines" && parts[1] && parts[2] === "edit") await editorPage(app, parts[1]);
    else if (parts[0] === "state-machines" && parts[1]) await stateMachinePage(app, parts[1]);
    else if (parts[0] === "executions" && parts[1]) await executionPage(app, parts[1]);
    else if (parts[0] === "map-runs" && parts[1]) await mapRunPage(app, parts[1]);
    else if (parts[0] === "express" && parts[1]) await expressExecutionPage(app, parts[1]);
    else if (parts[0] === "create") { mark("create"); await editorPage(app, null); }
    else if (parts[0] === "schedules") { mark("schedules"); await schedulesPage(app); }
    else { mark("list"); await listPage(app); }
  } catch (err) {
    showError(err);
  }
  const h1 = app.querySelector("h1");
  if (h1) document.title = h1.textContent + " · Stepwise";
}

function mark(name) {
  const a = document.querySelector(`nav a[data-nav="${name}"]`);
  if (a) a.setAttribute("aria-current", "page");
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", () => sessionCall("session").catch(showError).then(route));

// ---- state machines list ------------------------------------------------------------------

async function listPage(app) {
  const body = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "Load more");
  app.append(
    h("div", { class: "page-head" }, h("h1", {}, "State machines"), h("a", { class: "button primary", href: "#/create" }, "Create state machine")),
    h("table", { class: "list", id: "state-machines" },
      h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Type"), h("th", {}, "Created"), h("th", {}, "Last execution"))),
      body),
    more,
  );
  let token;
  const load = async () => {
    const res = await sfn("ListStateMachines", { maxResults: 100, nextToken: token });
    token = res.nextToken;
    more.hidden = !token;
    if (!res.stateMachines.length && !body.children.length) {
      body.append(h("tr", {}, h("td", { colspan: 4, class: "empty" }, "No state machines yet. ", h("a", { href: "#/create" }, "Create one"), ".")));
    }
    for (const sm of res.stateMachines) {
      const last = h("td", { class: "last" }, "–");
      body.append(h("tr", {}, h("td", {}, h("a", { href: smHref(sm.stateMachineArn) }, sm.name)), h("td", {}, sm.type), h("td", {}, fmtTime(sm.creationDate)), last));
      if (sm.type === "STANDARD") {
        sfn("ListExecutions", { stateMachineArn: sm.stateMachineArn, maxResults: 1 }).then((r) => {
          const ex = r.executions[0];
          if (ex) last.replaceChildren(badge(ex.status), " ", h("a", { href: execHref(ex.executionArn) }, fmtTime(ex.startDate)));
        }).catch(() => {});
      }
    }
  };
  more.addEventListener("click", () => load().catch(showError));
  await load();
}

// ---- state machine page -------------------------------------------------------------------

async function stateMachinePage(app, arn) {
  const sm = await sfn("DescribeStateMachine", { stateMachineArn: arn });
  let def = {};
  try { def = JSON.parse(sm.definition); } catch { /* shown as text below */ }
  const defs = Graph.stateDefs(def);
  const start = startForm(sm);
  const versions = versionsPanel(sm, start.setTargets);
  const graphBox = h("div", { class: "graph-box", id: "graph" });
  const stateBox = h("div", { class: "state-def", id: "state-def", hidden: true });
  app.append(
    h("div", { class: "page-head" },
      h("div", {}, h("div", { class: "crumbs" }, h("a", { href: "#/" }, "State machines"), " / "), h("h1", {}, sm.name)),
      h("a", { class: "button", href: smHref(arn) + "/edit" }, "Edit")),
    h("dl", { class: "facts" },
      h("dt", {}, "ARN"), h("dd", { class: "mono" }, sm.stateMachineArn),
      h("dt", {}, "Type"), h("dd", {}, sm.type),
      h("dt", {}, "Created"), h("dd", {}, fmtTime(sm.creationDate)),
      h("dt", {}, "Role"), h("dd", { class: "mono" }, sm.roleArn)),
    h("div", { class: "split" },
      h("section", { class: "panel grow" }, h("h2", {}, "Graph"), graphBox, stateBox),
      start.el),
  );
  Graph.render(graphBox, def, (name) => {
    stateBox.hidden = false;
    stateBox.replaceChildren(h("h3", {}, name), pre(JSON.stringify(defs.get(name), null, 2)));
  }, { zoom: true });
  app.append(h("section", { class: "panel" }, h("details", {}, h("summary", {}, h("h2", { class: "inline" }, "Definition")), pre(pretty(sm.definition)))));
  app.append(versions.el);
  versions.load();
  if (sm.type === "STANDARD") app.append(executionsList(arn));
  else app.append(expressExecutionsList(sm));
}

function startForm(sm) {
  const name = h("input", { id: "exec-name", value: uuid(), maxlength: 80, "aria-describedby": "exec-name-msg" });
  const nameMsg = h("p", { class: "hint", id: "exec-name-msg" });
  const input = h("textarea", { id: "exec-input", rows: 8, spellcheck: "false", "aria-describedby": "exec-input-msg" }, "{}");
  const inputMsg = h("p", { class: "hint", id: "exec-input-msg" });
  const startMsg = h("p", { class: "hint", id: "start-msg", role: "status" });
  const start = h("button", { type: "submit", class: "primary", id: "start" }, "Start execution");
  // The target: the latest revision, a version or an alias (filled in by the versions panel).
  const target = h("select", { id: "exec-target" }, h("option", { value: sm.stateMachineArn }, "Latest revision"));
  const setTargets = ({ versions, aliases }) => {
    const keep = target.value;
    target.replaceChildren(h("option", { value: sm.stateMachineArn }, "Latest revision"),
      ...aliases.map((a) => h("option", { value: a.stateMachineAliasArn }, "Alias " + a.name)),
      ...versions.map((v) => h("option", { value: v.stateMachineVersionArn }, "Version " + versionNo(v.stateMachineVersionArn))));
    target.value = [...target.options].some((o) => o.value === keep) ? keep : sm.stateMachineArn;
  };
  const check = () => {
    let ok = true;
    const n = name.value;
    nameMsg.className = "hint";
    nameMsg.textContent = "";
    if (!n || n.length > 80 || /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/.test(n) || /[\u0000-\u001f\u007f-\u009f]/.test(n)) {
      ok = false;
      nameMsg.className = "hint bad";
      nameMsg.textContent = "1 to 80 characters; no spaces, brackets, wildcards, punctuation such as \" # % \\ ^ | ~ ` $ & , ; : /, or control characters.";
    } else if (/[^\x00-\x7f]/.test(n)) {
      nameMsg.className = "hint warn";
      nameMsg.textContent = "Names with non-ASCII characters are accepted, but CloudWatch Logs and other tools may not handle them.";
    }
    try {
      JSON.parse(input.value);
      inputMsg.className = "hint";
      inputMsg.textContent = "Valid JSON.";
    } catch (err) {
      ok = false;
      inputMsg.className = "hint bad";
      inputMsg.textContent = "Invalid JSON: " + err.message;
    }
    start.disabled = !ok;
    return ok;
  };
  name.addEventListener("input", check);
  input.addEventListener("input", check);
  const form = h("form", { class: "panel start-form", id: "start-form" },
    h("h2", {}, "Start execution"),
    h("label", { for: "exec-target" }, "Run"), target,
    h("label", { for: "exec-name" }, "Name"), name, nameMsg,
    h("label", { for: "exec-input" }, "Input (JSON)"), input, inputMsg,
    h("div", { class: "row" }, start, h("button", { type: "button", onclick: () => { name.value = uuid(); check(); } }, "New name")), startMsg);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!check()) return;
    start.disabled = true;
    try {
      const res = await sfn("StartExecution", { stateMachineArn: target.value, name: name.value, input: input.value });
      if (sm.type === "EXPRESS") {
        // An Express execution has no page of its own: it shows in the list below once its
        // log events are kept (when the state machine logs).
        startMsg.textContent = `Started ${name.value}.`;
        name.value = uuid();
        check();
        return;
      }
      location.hash = execHref(res.executionArn);
    } catch (err) {
      showError(err);
      start.disabled = false;
    }
  });
  check();
  return { el: form, setTargets };
}

// origin names what an execution was started on: an alias, a version, or the latest revision.
function origin(ex) {
  if (ex.stateMachineAliasArn) return "alias " + nameOf(ex.stateMachineAliasArn);
  if (ex.stateMachineVersionArn) return "version " + versionNo(ex.stateMachineVersionArn);
  return "latest";
}

function executionsList(smArn) {
  const filter = h("select", { id: "status-filter", "aria-label": "Status filter" },
    ["", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"].map((s) => h("option", { value: s }, s || "All statuses")));
  const search = h("input", { type: "search", placeholder: "Filter by name", "aria-label": "Filter by name" });
  const body = h("tbody");
  const prev = h("button", { type: "button" }, "Previous");
  const next = h("button", { type: "button" }, "Next");
  const pageNo = h("span", { class: "hint" });
  let tokens = [undefined], page = 0, rows = [];
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const shown = rows.filter((ex) => !q || ex.name.toLowerCase().includes(q));
    body.replaceChildren(...shown.map((ex) => h("tr", {},
      h("td", {}, h("a", { href: execHref(ex.executionArn) }, ex.name)), h("td", {}, badge(ex.status)), h("td", { class: "hint" }, origin(ex)),
      h("td", {}, fmtTime(ex.startDate)), h("td", {}, fmtTime(ex.stopDate)),
      h("td", {}, ex.stopDate ? fmtDuration((ex.stopDate - ex.startDate) * 1000) : "–"))));
    if (!shown.length) body.append(h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No executions.")));
  };
  const load = async () => {
    const res = await sfn("ListExecutions", { stateMachineArn: smArn, statusFilter: filter.value || undefined, maxResults: 50, nextToken: tokens[page] });
    rows = res.executions;
    tokens[page + 1] = res.nextToken;
    prev.disabled = page === 0;
    next.disabled = !res.nextToken;
    pageNo.textContent = `Page ${page + 1}`;
    draw();
  };
  filter.addEventListener("change", () => { tokens = [undefined]; page = 0; load().catch(showError); });
  search.addEventListener("input", draw);
  prev.addEventListener("click", () => { page--; load().catch(showError); });
  next.addEventListener("click", () => { page++; load().catch(showError); });
  load().catch(showError);
  const timer = setInterval(() => { if (rows.some((r) => r.status === "RUNNING")) load().catch(() => {}); }, 2000);
  onLeave(() => clearInterval(timer));
  return h("section", { class: "panel", id: "executions" },
    h("div", { class: "page-head" }, h("h2", {}, "Executions"), h("div", { class: "row" }, search, filter)),
    h("div", { class: "table-box" }, h("table", { class: "list" }, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Status"), h("th", {}, "On"), h("th", {}, "Started"), h("th", {}, "Stopped"), h("th", {}, "Duration"))), body)),
    h("div", { class: "row pager" }, prev, pageNo, next));
}
