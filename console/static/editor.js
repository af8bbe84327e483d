// Stepwise console: create or edit a state machine. The definition is validated as you type
// by the server's ValidateStateMachineDefinition; each diagnostic's location (a JSON pointer
// such as /States/X/Next) is mapped to its line, marked in the gutter.
"use strict";

async function editorPage(app, arn) {
  let sm = null;
  if (arn) sm = await sfn("DescribeStateMachine", { stateMachineArn: arn });
  const name = h("input", { id: "sm-name", value: sm ? sm.name : "", disabled: !!sm, required: true, maxlength: 80 });
  const type = h("select", { id: "sm-type", disabled: !!sm }, ["STANDARD", "EXPRESS"].map((t) => h("option", { value: t, selected: sm && sm.type === t }, t)));
  const role = h("input", { id: "sm-role", value: sm ? sm.roleArn : "arn:aws:iam::123456789012:role/stepwise", required: true });
  const text = h("textarea", { id: "definition", spellcheck: "false", wrap: "off", "aria-describedby": "diagnostics", "aria-label": "Definition (JSON)" },
    sm ? pretty(sm.definition) : JSON.stringify(Design.TEMPLATES.hello, null, 2));
  const template = sm ? null : h("select", { id: "sm-template" }, Design.TEMPLATE_NAMES.map(([k, t]) => h("option", { value: k }, t)));
  const gutter = h("div", { class: "gutter", "aria-hidden": "true" });
  const diags = h("ul", { class: "diagnostics", id: "diagnostics", "aria-live": "polite" });
  const design = Design.create({ text, onText: () => { drawGutter(new Set()); clearTimeout(timer); timer = setTimeout(validate, 250); } });
  const save = h("button", { type: "submit", class: "primary", id: "save" }, sm ? "Save" : "Create");
  const form = h("form", { class: "editor" },
    h("div", { class: "page-head" },
      h("div", {}, h("div", { class: "crumbs" }, h("a", { href: "#/" }, "State machines"), " / ", sm ? h("a", { href: smHref(arn) }, sm.name) : null),
        h("h1", {}, sm ? `Edit ${sm.name}` : "Create state machine")),
      h("div", { class: "row" }, sm ? h("a", { class: "button", href: smHref(arn) }, "Cancel") : null, save)),
    h("div", { class: "fields" },
      h("label", {}, "Name", name), h("label", {}, "Type", type), h("label", { class: "grow" }, "Role ARN", role),
      template ? h("label", {}, "Start from", template) : null),
    h("div", { class: "designer" },
      h("section", { class: "panel palette-panel" }, h("h2", {}, "Add a state"), design.palette),
      h("section", { class: "panel grow" }, h("h2", {}, "Graph"), design.status, design.staleNote, design.graphBox),
      h("section", { class: "panel form-panel" }, design.form)),
    h("section", { class: "panel code-panel" }, h("h2", {}, "Definition (JSON)"), h("div", { class: "code" }, gutter, text), diags));
  app.append(form);

  let seq = 0, timer = 0;
  const lines = () => text.value.split("\n").length;
  const drawGutter = (bad) => {
    const n = lines();
    gutter.replaceChildren(...Array.from({ length: n }, (_, i) => h("div", { class: bad.has(i + 1) ? "bad" : "" }, String(i + 1))));
    gutter.scrollTop = text.scrollTop;
  };
  const validate = async () => {
    const my = ++seq;
    const src = text.value;
    let parsed = null, localErr = null;
    try { parsed = JSON.parse(src); } catch (err) { localErr = err; }
    let res;
    try {
      res = await sfn("ValidateStateMachineDefinition", { definition: src, type: type.value, severity: "WARNING" });
    } catch (err) { showError(err); return; }
    if (my !== seq) return; // a newer keystroke won
    const where = parsed ? locate(src) : new Map();
    const bad = new Set();
    const items = res.diagnostics.map((d) => {
      let line = d.location ? lineOf(src, where, d.location) : 0;
      if (!line && localErr) line = jsonErrorLine(src, localErr);
      if (line && d.severity === "ERROR") bad.add(line);
      return h("li", { class: d.severity === "ERROR" ? "bad" : "warn", "data-line": line || "" },
        h("strong", {}, d.severity), " ", h("code", {}, d.code), line ? h("span", { class: "where" }, ` line ${line}`) : null,
        d.location ? h("span", { class: "where" }, ` at ${d.location}`) : null, ": ", d.message);
    });
    if (!items.length) items.push(h("li", { class: "ok" }, "The definition is valid."));
    diags.replaceChildren(...items);
    diags.setAttribute("data-result", res.result);
    drawGutter(bad);
    save.disabled = res.result !== "OK";
  };
  // Clicking a diagnostic moves the caret to its line.
  diags.addEventListener("click", (ev) => {
    const li = ev.target.closest("li[data-line]");
    const n = li && Number(li.getAttribute("data-line"));
    if (!n) return;
    const offs = text.value.split("\n").slice(0, n - 1).reduce((a, l) => a + l.length + 1, 0);
    text.focus();
    text.setSelectionRange(offs, offs);
  });
  // An edit of the text redraws the graph and the form at once (when it parses), and is
  // validated by the server after a pause.
  const fromText = () => {
    let parsed = null;
    try { parsed = JSON.parse(text.value); } catch { /* the graph keeps the last definition that parsed */ }
    design.fromText(parsed);
  };
  text.addEventListener("input", () => { fromText(); drawGutter(new Set()); clearTimeout(timer); timer = setTimeout(validate, 250); });
  if (template) {
    template.addEventListener("change", () => {
      text.value = JSON.stringify(Design.TEMPLATES[template.value], null, 2);
      text.dispatchEvent(new Event("input"));
    });
  }
  text.addEventListener("scroll", () => { gutter.scrollTop = text.scrollTop; });
  type.addEventListener("change", validate);
  text.addEventListener("keydown", (ev) => {
    if (ev.key === "Tab" && !ev.shiftKey && !ev.ctrlKey && !ev.altKey) {
      // Two spaces; Escape then Tab leaves the editor for keyboard users.
      if (text.dataset.escaped) { delete text.dataset.escaped; return; }
      ev.preventDefault();
      text.setRangeText("  ", text.selectionStart, text.selectionEnd, "end");
      text.dispatchEvent(new Event("input"));
    } else if (ev.key === "Escape") text.dataset.escaped = "1";
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    save.disabled = true;
    try {
      if (sm) {
        await sfn("UpdateStateMachine", { stateMachineArn: arn, definition: text.value, roleArn: role.value !== sm.roleArn ? role.value : undefined });
        location.hash = smHref(arn);
      } else {
        const res = await sfn("CreateStateMachine", { name: name.value, type: type.value, roleArn: role.value, definition: text.value });
        location.hash = smHref(res.stateMachineArn);
      }
    } catch (err) {
      showError(err);
      save.disabled = false;
    }
  });
  onLeave(() => clearTimeout(timer));
  drawGutter(new Set());
  fromText();
  await validate();
}

// locate maps every JSON pointer in a (valid) JSON text to the offset of its key, or of its
// value for array elements and the root.
function locate(src) {
  const at = new Map();
  let i = 0;
  const ws = () => { while (i < src.length && " \t\n\r".includes(src[i])) i++; };
  const str = () => {
    const s = i;
    i++;
    while (i < src.length && src[i] !== '"') i += src[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(src.slice(s, i));
  };
  const esc = (k) => k.replace(/~/g, "~0").replace(/\//g, "~1");
  const value = (path) => {
    ws();
    if (!at.has(path)) at.set(path, i);
    const c = src[i];
    if (c === "{") {
      i++; ws();
      if (src[i] === "}") { i++; return; }
      for (;;) {
        ws();
        const keyAt = i;
        const k = str();
        at.set(path + "/" + esc(k), keyAt);
        ws(); i++; // :
        value(path + "/" + esc(k));
        ws();
        if (src[i++] === "}") return;
      }
    } else if (c === "[") {
      i++; ws();
      if (src[i] === "]") { i++; return; }
      for (let n = 0; ; n++) {
        value(path + "/" + n);
        ws();
        if (src[i++] === "]") return;
      }
    } else if (c === '"') str();
    else while (i < src.length && !",}] \t\n\r".includes(src[i])) i++;
  };
  try { value(""); } catch { /* best effort */ }
  return at;
}

// lineOf finds the line of a location (a JSON pointer), or of its nearest ancestor present in the text.
function lineOf(src, where, pointer) {
  // AWS writes array indices as [0]: /States/X/Catch[0]/Next.
  let p = pointer.replace(/\[(\d+)\]/g, "/$1").replace(/\/$/, "");
  while (p && !where.has(p)) p = p.slice(0, p.lastIndexOf("/"));
  const off = where.get(p);
  if (off === undefined) return 0;
  return src.slice(0, off).split("\n").length;
}

// jsonErrorLine finds the line of a JSON.parse error from its message (V8 says "position N"
// or "line L column C").
function jsonErrorLine(src, err) {
  const m = /line (\d+)/.exec(err.message);
  if (m) return Number(m[1]);
  const p = /position (\d+)/.exec(err.message);
  if (p) return src.slice(0, Number(p[1])).split("\n").length;
  return 0;
}
