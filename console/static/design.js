// Stepwise console: design mode — a palette of states, dropped onto the graph (after a state,
// or on an edge) or added with its button; a form for the selected state. The definition
// object is the one model: the form and the palette change it and rewrite the JSON text;
// an edit of the text that parses replaces it and redraws the graph and the form.
"use strict";

const Design = (() => {
  const branch = (name) => ({ StartAt: name, States: { [name]: { Type: "Pass", End: true } } });
  const sfnParams = (input) => ({ StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:child", Input: input });
  // The palette: flow states, then actions (Task states). make(unique) builds the state;
  // unique(base) gives a state name unused anywhere in the definition.
  const PALETTE = [
    { id: "Pass", group: "Flow", base: "Pass", make: () => ({ Type: "Pass" }) },
    { id: "Choice", group: "Flow", base: "Choice", make: () => ({ Type: "Choice", Choices: [{ Variable: "$.value", NumericEquals: 1, Next: "" }], Default: "" }) },
    { id: "Wait", group: "Flow", base: "Wait", make: () => ({ Type: "Wait", Seconds: 5 }) },
    { id: "Succeed", group: "Flow", base: "Succeed", terminal: true, make: () => ({ Type: "Succeed" }) },
    { id: "Fail", group: "Flow", base: "Fail", terminal: true, make: () => ({ Type: "Fail", Error: "Failed", Cause: "Something went wrong" }) },
    { id: "Parallel", group: "Flow", base: "Parallel", make: (u) => ({ Type: "Parallel", Branches: [branch(u("Branch 1")), branch(u("Branch 2"))] }) },
    { id: "Map", group: "Flow", base: "Map", make: (u) => ({ Type: "Map", ItemsPath: "$.items", ItemProcessor: Object.assign({ ProcessorConfig: { Mode: "INLINE" } }, branch(u("Process item"))) }) },
    { id: "StartExecution", group: "Actions", label: "Step Functions: StartExecution", base: "Start execution",
      make: () => ({ Type: "Task", Resource: "arn:aws:states:::states:startExecution", Parameters: sfnParams({ "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id" }) }) },
    { id: "StartExecutionSync", group: "Actions", label: "StartExecution and wait (.sync:2)", base: "Run child",
      make: () => ({ Type: "Task", Resource: "arn:aws:states:::states:startExecution.sync:2", Parameters: sfnParams({ "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id" }) }) },
    { id: "StartExecutionToken", group: "Actions", label: "StartExecution, wait for callback (.waitForTaskToken)", base: "Start and wait for callback",
      make: () => ({ Type: "Task", Resource: "arn:aws:states:::states:startExecution.waitForTaskToken", Parameters: sfnParams({ "TaskToken.$": "$$.Task.Token", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id" }) }) },
    { id: "LambdaInvoke", group: "Actions", label: "Lambda: Invoke", base: "Invoke function",
      make: () => ({ Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: "my-function", "Payload.$": "$" }, OutputPath: "$.Payload" }) },
    { id: "HTTP", group: "Actions", label: "HTTP task", base: "Call HTTP API",
      make: () => ({ Type: "Task", Resource: "arn:aws:states:::http:invoke", Parameters: { ApiEndpoint: "https://example.com/api", Method: "GET",
        Authentication: { ConnectionArn: "arn:aws:events:us-east-1:123456789012:connection/example/00000000-0000-0000-0000-000000000000" } } }) },
  ];

  // The integrations a Task's form offers (its Resource).
  const INTEGRATIONS = [
    ["arn:aws:states:::states:startExecution", "Step Functions StartExecution"],
    ["arn:aws:states:::states:startExecution.sync:2", "StartExecution, wait (.sync:2)"],
    ["arn:aws:states:::states:startExecution.sync", "StartExecution, wait (.sync)"],
    ["arn:aws:states:::states:startExecution.waitForTaskToken", "StartExecution, callback (.waitForTaskToken)"],
    ["arn:aws:states:::lambda:invoke", "Lambda Invoke"],
    ["arn:aws:states:::http:invoke", "HTTP task"],
  ];

  const TEMPLATES = {
    blank: { Comment: "A new state machine", StartAt: "", States: {} },
    hello: { Comment: "A new state machine", StartAt: "Hello", States: { Hello: { Type: "Pass", Result: { greeting: "Hello" }, Next: "Done" }, Done: { Type: "Succeed" } } },
    lambda: { Comment: "Call a function, then decide", StartAt: "Invoke function", States: {
      "Invoke function": { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: "my-function", "Payload.$": "$" }, OutputPath: "$.Payload",
        Retry: [{ ErrorEquals: ["Lambda.ServiceException", "Lambda.TooManyRequestsException"], MaxAttempts: 3 }], Next: "OK?" },
      "OK?": { Type: "Choice", Choices: [{ Variable: "$.ok", BooleanEquals: true, Next: "Done" }], Default: "Failed" },
      Done: { Type: "Succeed" }, Failed: { Type: "Fail", Error: "NotOK" } } },
    child: { Comment: "Start a child execution and wait for its output", StartAt: "Run child", States: {
      "Run child": { Type: "Task", Resource: "arn:aws:states:::states:startExecution.sync:2", Parameters: sfnParams({ "n.$": "$.n", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id" }),
        ResultSelector: { "output.$": "$.Output" }, End: true } } },
    continueAsNew: { Comment: "Work in rounds; each round continues as a new execution of this state machine", StartAt: "Work", States: {
      Work: { Type: "Pass", Parameters: { "round.$": "States.MathAdd($.round, 1)" }, Next: "More?" },
      "More?": { Type: "Choice", Choices: [{ Variable: "$.round", NumericLessThan: 3, Next: "Continue as new" }], Default: "Done" },
      "Continue as new": { Type: "Task", Resource: "arn:aws:states:::states:startExecution",
        Parameters: { "StateMachineArn.$": "$$.StateMachine.Id", Input: { "round.$": "$.round", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id" } }, End: true },
      Done: { Type: "Succeed" } } },
  };
  const TEMPLATE_NAMES = [["hello", "Hello world"], ["blank", "Blank"], ["lambda", "Lambda, then a Choice"], ["child", "Start a child execution (.sync:2)"], ["continueAsNew", "Continue as new"]];

  // ---- the model: a definition object ------------------------------------------------------

  const isObj = (v) => v && typeof v === "object" && !Array.isArray(v);

  // containers lists every object with States (the top, Parallel branches, Map processors).
  function containers(def, out = []) {
    if (!isObj(def)) return out;
    out.push(def);
    for (const s of Object.values(isObj(def.States) ? def.States : {})) {
      if (!isObj(s)) continue;
      if (Array.isArray(s.Branches)) s.Branches.forEach((b) => containers(b, out));
      const proc = s.ItemProcessor || s.Iterator;
      if (isObj(proc)) containers(proc, out);
    }
    return out;
  }
  const scopeOf = (def, name) => containers(def).find((c) => isObj(c.States) && Object.hasOwn(c.States, name));
  const allNames = (def) => new Set(containers(def).flatMap((c) => Object.keys(isObj(c.States) ? c.States : {})));

  function uniqueNamer(def) {
    const used = allNames(def);
    return (base) => {
      let n = base, i = 2;
      while (used.has(n)) n = `${base} ${i++}`;
      used.add(n);
      return n;
    };
  }

  // redirect points every transition in container c that goes to `from` at `to`.
  function redirect(c, from, to) {
    if (c.StartAt === from) c.StartAt = to;
    for (const s of Object.values(c.States)) {
      if (!isObj(s)) continue;
      if (s.Next === from) s.Next = to;
      if (s.Default === from) s.Default = to;
      for (const r of [...(Array.isArray(s.Choices) ? s.Choices : []), ...(Array.isArray(s.Catch) ? s.Catch : [])]) if (isObj(r) && r.Next === from) r.Next = to;
    }
  }

  // continueTo makes state s go on to `to` ("" or "__end": end there).
  function continueTo(s, to) {
    if (s.Type === "Succeed" || s.Type === "Fail") return;
    if (s.Type === "Choice") { // a new Choice: its rule and its Default both go on
      const t = to && to !== "__end" ? to : "";
      (Array.isArray(s.Choices) ? s.Choices : []).forEach((r) => { if (isObj(r) && !r.Next) r.Next = t; });
      if (t) s.Default = t;
      else delete s.Default;
      return;
    }
    delete s.Next;
    delete s.End;
    if (to && to !== "__end") s.Next = to;
    else s.End = true;
  }

  // place adds state s under name to container c (last in its States).
  function place(c, name, s) {
    c.States = Object.assign({}, c.States, { [name]: s });
  }

  // insertAfter adds a new state after `name`: it takes over the state's transition (a
  // Choice's Default); before a Succeed or Fail, which have none, it goes in front instead.
  function insertAfter(def, name, item) {
    const c = scopeOf(def, name);
    const st = c.States[name];
    const newName = uniqueNamer(def)(item.base);
    const s = item.make(uniqueNamer(def));
    if (st.Type === "Succeed" || st.Type === "Fail") {
      redirect(c, name, newName);
      continueTo(s, name);
      place(c, newName, s);
      return { name: newName, where: `before "${name}"` };
    }
    const old = st.Type === "Choice" ? st.Default : st.End ? "__end" : st.Next;
    continueTo(s, old || "__end");
    if (st.Type === "Choice") st.Default = newName;
    else { delete st.End; st.Next = newName; }
    place(c, newName, s);
    return { name: newName, where: `after "${name}"` };
  }

  // insertOnEdge puts a new state on the transition from -> to (kind, index as the graph draws it).
  function insertOnEdge(def, from, to, kind, index, item) {
    const newName = uniqueNamer(def)(item.base);
    const s = item.make(uniqueNamer(def));
    if (from === "__start") {
      const c = def;
      if (!isObj(c.States)) c.States = {};
      continueTo(s, to);
      c.StartAt = newName;
      place(c, newName, s);
      return { name: newName, where: "at the start" };
    }
    const c = scopeOf(def, from);
    const st = c.States[from];
    continueTo(s, to);
    if (kind === "choice") st.Choices[index].Next = newName;
    else if (kind === "default") st.Default = newName;
    else if (kind === "catch") st.Catch[index].Next = newName;
    else { delete st.End; st.Next = newName; }
    place(c, newName, s);
    return { name: newName, where: `between "${from}" and ${to === "__end" ? "the end" : `"${to}"`}` };
  }

  // lastOnPath follows Next from StartAt: where the keyboard adds a state when none is selected.
  function lastOnPath(def) {
    const states = isObj(def.States) ? def.States : {};
    let name = def.StartAt;
    const seen = new Set();
    while (states[name] && states[name].Next && states[states[name].Next] && !seen.has(name)) { seen.add(name); name = states[name].Next; }
    return states[name] ? name : null;
  }

  function rename(def, from, to) {
    const c = scopeOf(def, from);
    c.States = Object.fromEntries(Object.entries(c.States).map(([k, v]) => [k === from ? to : k, v]));
    redirect(c, from, to);
  }

  // remove deletes a state; what went to it goes where it went.
  function remove(def, name) {
    const c = scopeOf(def, name);
    const st = c.States[name];
    const next = st.Type === "Choice" ? st.Default : st.Next;
    delete c.States[name];
    if (next) redirect(c, name, next);
    else {
      if (c.StartAt === name) c.StartAt = Object.keys(c.States)[0] || "";
      for (const s of Object.values(c.States)) if (isObj(s) && s.Next === name) { delete s.Next; s.End = true; }
    }
  }

  // ---- the form of the selected state --------------------------------------------------------

  const jsonText = (v) => (v === undefined ? "" : JSON.stringify(v, null, 2));
  const field = (key, label, kind, extra) => Object.assign({ key, label, kind }, extra || {});
  const param = (k) => ({ get: (s) => (s.Parameters || {})[k], set: (s, v) => { s.Parameters = Object.assign({}, s.Parameters, { [k]: v }); } });

  // fieldsFor lists a state's form fields: {key, label, kind: text|number|json|select|area, get, set, options}.
  function fieldsFor(s, siblings) {
    const fs = [field("Comment", "Comment", "text")];
    const targets = () => [["", "— none —"], ...siblings.map((n) => [n, n])];
    if (s.Type !== "Choice" && s.Type !== "Succeed" && s.Type !== "Fail") {
      fs.push(field("Next", "Then", "select", {
        options: () => [["__end", "End (the machine or branch ends)"], ...siblings.map((n) => [n, "Go to " + n])],
        get: (x) => (x.End ? "__end" : x.Next || "__end"),
        set: (x, v) => continueTo(x, v),
      }));
    }
    switch (s.Type) {
      case "Task": {
        fs.push(field("Resource", "Integration", "select", {
          options: () => [...INTEGRATIONS, ...(INTEGRATIONS.some(([r]) => r === s.Resource) ? [] : [[s.Resource || "", "Other: " + (s.Resource || "")]])],
        }));
        const r = String(s.Resource || "");
        if (r.includes(":states:startExecution")) {
          fs.push(field("StateMachineArn", "State machine ARN (StateMachineArn)", "text", param("StateMachineArn")),
            field("Input", "Input (JSON)", "json", param("Input")));
        } else if (r.includes(":lambda:invoke")) {
          fs.push(field("FunctionName", "Function name (FunctionName)", "text", param("FunctionName")),
            field("Payload.$", "Payload path (Payload.$)", "text", param("Payload.$")));
        } else if (r.includes(":http:invoke")) {
          fs.push(field("ApiEndpoint", "Endpoint (ApiEndpoint)", "text", param("ApiEndpoint")),
            field("Method", "Method", "select", Object.assign({ options: () => ["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => [m, m]) }, param("Method"))));
        }
        fs.push(field("Parameters", "All parameters (JSON)", "json"), field("TimeoutSeconds", "Timeout (seconds)", "number"), field("ResultPath", "ResultPath", "text"));
        break;
      }
      case "Wait": fs.push(field("Seconds", "Seconds", "number")); break;
      case "Fail": fs.push(field("Error", "Error", "text"), field("Cause", "Cause", "text")); break;
      case "Pass": fs.push(field("Result", "Result (JSON)", "json"), field("ResultPath", "ResultPath", "text")); break;
      case "Choice": fs.push(field("Default", "Default", "select", { options: targets }), field("Choices", "Choices (JSON)", "json")); break;
      case "Map": fs.push(field("ItemsPath", "ItemsPath", "text"), field("MaxConcurrency", "Max concurrency", "number"), field("ResultPath", "ResultPath", "text")); break;
      case "Parallel": fs.push(field("ResultPath", "ResultPath", "text")); break;
    }
    for (const f of fs) {
      if (!f.get) f.get = (x) => x[f.key];
      if (!f.set) f.set = (x, v) => { if (v === "" || v === undefined) delete x[f.key]; else x[f.key] = v; };
    }
    return fs;
  }

  // ---- the design view -----------------------------------------------------------------------

  // create builds the palette, the graph and the form around a text area holding the JSON.
  // onText is called after design mode rewrote the text (the editor validates it).
  function create({ text, onText }) {
    let model = null; // the last definition that parsed
    let selected = "";
    let graph = null;
    let dragging = "";
    const status = h("p", { class: "hint", id: "design-status", "aria-live": "polite" });
    const graphBox = h("div", { class: "graph-box design-graph", id: "graph" });
    const form = h("form", { class: "state-form", id: "state-form", "aria-label": "Selected state" });
    const staleNote = h("p", { class: "hint warn", id: "design-stale", hidden: true }, "The JSON does not parse: the graph and the form show the last definition that did.");

    // Where a palette button adds: after the selected state, or on a transition (the
    // keyboard's way to do what dropping on an edge does).
    const where = h("select", { id: "insert-at" }, h("option", { value: "" }, "After the selected state"));
    const palette = h("div", { class: "palette", id: "palette", role: "group", "aria-label": "Add a state" },
      h("label", { for: "insert-at" }, "Add at", where));
    for (const group of ["Flow", "Actions"]) {
      palette.append(h("h3", {}, group === "Flow" ? "Flow" : "Actions"));
      for (const item of PALETTE.filter((p) => p.group === group)) {
        const b = h("button", { type: "button", class: "palette-item", draggable: "true", "data-palette": item.id,
          title: "Drag onto a state or an edge of the graph, or press to add after the selected state" }, item.label || item.id);
        b.addEventListener("click", () => add(item));
        b.addEventListener("dragstart", (ev) => {
          dragging = item.id;
          ev.dataTransfer.setData("application/x-stepwise-palette", item.id);
          ev.dataTransfer.setData("text/plain", item.id);
          ev.dataTransfer.effectAllowed = "copy";
          graphBox.classList.add("dropping");
        });
        b.addEventListener("dragend", () => { dragging = ""; graphBox.classList.remove("dropping"); });
        palette.append(b);
      }
    }

    // Drop targets: a state (insert after it), an edge (insert on it), the start marker.
    const targetOf = (ev) => ev.target && ev.target.closest && ev.target.closest('g.node[data-state], path.edge-hit, g[data-marker="start"]');
    let over = null;
    const mark = (t) => {
      if (over) over.classList.remove("drop-target");
      over = t;
      if (over) over.classList.add("drop-target");
    };
    graphBox.addEventListener("dragover", (ev) => {
      const t = targetOf(ev);
      mark(t);
      if (t) { ev.preventDefault(); ev.dataTransfer.dropEffect = "copy"; }
    });
    graphBox.addEventListener("dragleave", (ev) => { if (!graphBox.contains(ev.relatedTarget)) mark(null); });
    graphBox.addEventListener("drop", (ev) => {
      const t = targetOf(ev);
      mark(null);
      graphBox.classList.remove("dropping");
      const id = ev.dataTransfer.getData("application/x-stepwise-palette") || dragging;
      const item = PALETTE.find((p) => p.id === id);
      if (!t || !item || !model) return;
      ev.preventDefault();
      if (t.matches("path.edge-hit")) change(() => insertOnEdge(model, t.dataset.from, t.dataset.to, t.dataset.kind, Number(t.dataset.index), item));
      else if (t.dataset.marker === "start") {
        const first = model.StartAt && isObj(model.States) && model.States[model.StartAt] ? model.StartAt : "__end";
        change(() => insertOnEdge(model, "__start", first, "next", -1, item));
      } else change(() => insertAfter(model, t.dataset.state, item));
    });

    // add is the keyboard (and click) path: after the selected state, else at the end of the
    // main path, else as the first state.
    function add(item) {
      if (!model) { status.textContent = "Fix the JSON first: it does not parse."; return; }
      if (where.value) {
        const e = JSON.parse(where.value);
        where.value = "";
        change(() => insertOnEdge(model, e.from, e.to, e.kind, e.index, item));
        return;
      }
      const after = selected && scopeOf(model, selected) ? selected : lastOnPath(model);
      change(() => (after ? insertAfter(model, after, item) : insertOnEdge(model, "__start", "__end", "next", -1, item)));
    }

    // change runs an edit of the model, then writes the text and redraws.
    function change(edit) {
      const res = edit();
      text.value = JSON.stringify(model, null, 2);
      if (res && res.name) {
        selected = res.name;
        status.textContent = `Added "${res.name}" ${res.where}.`;
        drawForm();
      }
      drawGraph();
      onText();
    }

    function drawGraph() {
      graph = Graph.render(graphBox, model, (name) => { selected = name; drawForm(); }, { edit: true });
      graph.svg.classList.add("fit");
      graph.highlight(selected);
      const keep = where.value;
      const label = (e) => `${e.from === "__start" ? "Start" : e.from} → ${e.to === "__end" ? "End" : e.to}` +
        ({ choice: ` (rule ${Number(e.index) + 1})`, default: " (Default)", catch: ` (Catch ${Number(e.index) + 1})` }[e.kind] || "");
      where.replaceChildren(h("option", { value: "" }, "After the selected state"),
        ...[...graph.svg.querySelectorAll("path.edge-hit")].map((p) => {
          const e = { from: p.dataset.from, to: p.dataset.to, kind: p.dataset.kind, index: Number(p.dataset.index) };
          return h("option", { value: JSON.stringify(e) }, "On " + label(e));
        }));
      where.value = [...where.options].some((o) => o.value === keep) ? keep : "";
    }

    let fields = [];
    function drawForm() {
      const s = selected && model && scopeOf(model, selected) ? scopeOf(model, selected).States[selected] : null;
      if (!s || !isObj(s)) {
        selected = "";
        fields = [];
        form.replaceChildren(h("h2", {}, "State"), h("p", { class: "hint" }, "Select a state in the graph (click, or Tab to it and press Enter) to edit it. Palette buttons add after the selected state."));
        return;
      }
      const c = scopeOf(model, selected);
      const siblings = Object.keys(c.States).filter((n) => n !== selected);
      const name = h("input", { id: "state-name", value: selected, maxlength: 80, required: true });
      const nameMsg = h("p", { class: "hint", id: "state-name-msg" });
      const commitName = () => {
        const to = name.value.trim();
        if (to === selected) return;
        if (!to || allNames(model).has(to)) {
          nameMsg.className = "hint bad";
          nameMsg.textContent = to ? `"${to}" is taken: state names are unique in a definition.` : "A state needs a name.";
          return;
        }
        nameMsg.className = "hint";
        nameMsg.textContent = "";
        const from = selected;
        change(() => rename(model, from, to));
        selected = to;
        graph.highlight(to);
        status.textContent = `Renamed "${from}" to "${to}".`;
      };
      name.addEventListener("change", commitName);
      name.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); commitName(); } });
      fields = fieldsFor(s, siblings);
      const rows = fields.map((f, i) => {
        const id = "sf-" + f.key.replace(/[^A-Za-z0-9]/g, "");
        let input;
        if (f.kind === "select") input = h("select", { id }, f.options().map(([v, t]) => h("option", { value: v }, t)));
        else if (f.kind === "json") input = h("textarea", { id, rows: 5, spellcheck: "false", wrap: "off" });
        else input = h("input", { id, type: f.kind === "number" ? "number" : "text" });
        const msg = h("p", { class: "hint bad", hidden: true });
        f.input = input;
        input.addEventListener(f.kind === "select" ? "change" : "input", () => {
          let v = input.value;
          if (f.kind === "json") {
            if (v.trim() === "") v = undefined;
            else { try { v = JSON.parse(v); } catch (err) { msg.hidden = false; msg.textContent = "Not JSON yet: " + err.message; return; } }
            msg.hidden = true;
          } else if (f.kind === "number") v = v === "" ? undefined : Number(v);
          const st = scopeOf(model, selected).States[selected];
          change(() => f.set(st, v));
          if (f.key === "Resource") drawForm(); // another integration has other fields
          else fill();
        });
        return h("label", { "data-field": f.key, for: id }, f.label, input, msg);
      });
      const del = h("button", { type: "button", class: "danger", id: "delete-state" }, "Delete state");
      del.addEventListener("click", () => {
        const gone = selected;
        selected = "";
        change(() => remove(model, gone));
        status.textContent = `Deleted "${gone}".`;
        drawForm();
      });
      form.replaceChildren(h("h2", {}, "State"),
        h("label", { for: "state-name" }, "Name", name), nameMsg,
        h("p", { class: "hint" }, "Type: ", h("strong", { id: "state-type" }, String(s.Type))),
        ...rows,
        ...Handlers.editor({
          state: () => scopeOf(model, selected).States[selected],
          change,
          siblings: () => siblings,
          say: (m) => { status.textContent = m; },
          // redraw rebuilds the form after a retrier or catcher is added or removed, and
          // focuses the control named (the new one's first field, or the Add button).
          redraw: (focus) => { drawForm(); const e = document.getElementById(focus); if (e) e.focus(); },
        }),
        h("div", { class: "row" }, del));
      fill();
    }

    // fill writes the model's values into the form, except into the field being typed in.
    function fill() {
      const s = selected && model && scopeOf(model, selected) ? scopeOf(model, selected).States[selected] : null;
      if (!s) return;
      for (const f of fields) {
        if (f.input === document.activeElement) continue;
        const v = f.get(s);
        f.input.value = f.kind === "json" ? jsonText(v) : v === undefined ? "" : String(v);
      }
    }

    form.addEventListener("submit", (ev) => ev.preventDefault());

    return {
      palette, graphBox, form, status, staleNote,
      // fromText takes the text's definition after an edit of the text (null: it does not parse).
      fromText(def) {
        staleNote.hidden = !!def || !model;
        form.querySelectorAll("input, select, textarea, button").forEach((e) => { e.disabled = !def; });
        if (!def) return;
        model = isObj(def) ? def : {};
        if (selected && !scopeOf(model, selected)) selected = "";
        drawGraph();
        drawForm();
      },
      select(name) { selected = name; drawForm(); if (graph) graph.highlight(name); },
    };
  }

  return { create, TEMPLATES, TEMPLATE_NAMES, PALETTE, insertAfter, insertOnEdge, rename, remove };
})();
