// Stepwise console: design mode's Retry and Catch editors for a Task, Parallel or Map state.
//
// Each retrier and catcher is a fieldset; an edit of a field changes the definition through
// change (which rewrites the JSON and redraws the graph, Catch edges included) without
// redrawing the fieldsets, so the field being typed in keeps its focus. Adding or removing
// one redraws them (redraw), and an edit of the JSON redraws the whole form.
"use strict";

const Handlers = (() => {
  const JITTER = [["", "— default (NONE) —"], ["FULL", "FULL"], ["NONE", "NONE"]];
  const errorsText = (v) => (Array.isArray(v) ? v.join(", ") : "");
  const errorsOf = (text) => text.split(",").map((x) => x.trim()).filter(Boolean);
  const supports = (s) => s && (s.Type === "Task" || s.Type === "Parallel" || s.Type === "Map");

  // editor returns the form's Retry and Catch sections. state() reads the selected state
  // from the model; change(edit) applies an edit; redraw() rebuilds the form; siblings are
  // the states a catcher may go to; say reports in the live region.
  function editor({ state, change, redraw, siblings, say }) {
    const s = state();
    if (!supports(s)) return [];
    const num = (list, i, key, label, attrs = {}) => {
      const id = `${list === "Retry" ? "retry" : "catch"}-${i}-${key}`;
      const v = s[list][i][key];
      const input = h("input", { id, type: "number", value: v === undefined ? "" : String(v), ...attrs });
      input.addEventListener("input", () => {
        const x = input.value === "" ? undefined : Number(input.value);
        if (input.value !== "" && !Number.isFinite(x)) return;
        change(() => { const r = state()[list][i]; if (x === undefined) delete r[key]; else r[key] = x; });
      });
      return h("label", { for: id, "data-field": key }, label, input);
    };
    const errors = (list, i) => {
      const id = `${list === "Retry" ? "retry" : "catch"}-${i}-ErrorEquals`;
      const input = h("input", { id, type: "text", value: errorsText(s[list][i].ErrorEquals), placeholder: "States.ALL" });
      input.addEventListener("input", () => change(() => { state()[list][i].ErrorEquals = errorsOf(input.value); }));
      return h("label", { for: id, "data-field": "ErrorEquals" }, "Errors (ErrorEquals, comma-separated)", input);
    };
    const removeButton = (list, i, what) => h("button", { type: "button", class: "danger", id: `${list === "Retry" ? "retry" : "catch"}-${i}-remove`,
      onclick: () => {
        change(() => { const st = state(); st[list].splice(i, 1); if (!st[list].length) delete st[list]; });
        say(`Removed ${what} ${i + 1}.`);
        redraw(list === "Retry" ? "retry-add" : "catch-add");
      } }, `Remove ${what} ${i + 1}`);

    const retriers = (Array.isArray(s.Retry) ? s.Retry : []).map((r, i) => {
      const jid = `retry-${i}-JitterStrategy`;
      const jitter = h("select", { id: jid }, JITTER.map(([v, t]) => h("option", { value: v, selected: (r.JitterStrategy || "") === v }, t)));
      jitter.addEventListener("change", () => change(() => { const x = state().Retry[i]; if (jitter.value) x.JitterStrategy = jitter.value; else delete x.JitterStrategy; }));
      return h("fieldset", { class: "handler", "data-retry": i }, h("legend", {}, `Retrier ${i + 1}`),
        errors("Retry", i),
        h("div", { class: "handler-grid" },
          num("Retry", i, "IntervalSeconds", "Interval (s)", { min: 1 }),
          num("Retry", i, "MaxAttempts", "Max attempts", { min: 0 }),
          num("Retry", i, "BackoffRate", "Backoff rate", { min: 1, step: "0.1" }),
          num("Retry", i, "MaxDelaySeconds", "Max delay (s)", { min: 1 }),
          h("label", { for: jid, "data-field": "JitterStrategy" }, "Jitter", jitter)),
        removeButton("Retry", i, "retrier"));
    });
    const catchers = (Array.isArray(s.Catch) ? s.Catch : []).map((c, i) => {
      const nid = `catch-${i}-Next`;
      const names = siblings();
      const next = h("select", { id: nid }, [...(names.includes(c.Next) ? [] : [h("option", { value: c.Next || "" }, c.Next ? `${c.Next} (not a state here)` : "— choose —")]),
        ...names.map((n) => h("option", { value: n, selected: n === c.Next }, "Go to " + n))]);
      next.addEventListener("change", () => change(() => { state().Catch[i].Next = next.value; }));
      const rid = `catch-${i}-ResultPath`;
      const rp = h("input", { id: rid, type: "text", value: c.ResultPath === undefined ? "" : c.ResultPath === null ? "null" : c.ResultPath, placeholder: "$ (the error replaces the input)" });
      rp.addEventListener("input", () => change(() => {
        const x = state().Catch[i];
        if (rp.value === "") delete x.ResultPath; else x.ResultPath = rp.value === "null" ? null : rp.value;
      }));
      return h("fieldset", { class: "handler", "data-catch": i }, h("legend", {}, `Catcher ${i + 1}`),
        errors("Catch", i),
        h("label", { for: nid, "data-field": "Next" }, "Then (Next)", next),
        h("label", { for: rid, "data-field": "ResultPath" }, "ResultPath", rp),
        removeButton("Catch", i, "catcher"));
    });
    const addRetry = h("button", { type: "button", id: "retry-add", onclick: () => {
      change(() => { const st = state(); st.Retry = [...(st.Retry || []), { ErrorEquals: ["States.ALL"], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 }]; });
      say(`Added retrier ${state().Retry.length}.`);
      redraw(`retry-${state().Retry.length - 1}-ErrorEquals`);
    } }, "Add retrier");
    const addCatch = h("button", { type: "button", id: "catch-add", disabled: !siblings().length, onclick: () => {
      const to = siblings()[0];
      change(() => { const st = state(); st.Catch = [...(st.Catch || []), { ErrorEquals: ["States.ALL"], Next: to }]; });
      say(`Added catcher ${state().Catch.length}: on States.ALL go to "${to}".`);
      redraw(`catch-${state().Catch.length - 1}-ErrorEquals`);
    } }, "Add catcher");
    return [
      h("section", { class: "handlers", id: "retry-editor", "aria-label": "Retry" }, h("h3", {}, "Retry"),
        retriers.length ? retriers : h("p", { class: "hint" }, "No retrier: an error is not retried."), addRetry),
      h("section", { class: "handlers", id: "catch-editor", "aria-label": "Catch" }, h("h3", {}, "Catch"),
        catchers.length ? catchers : h("p", { class: "hint" }, siblings().length ? "No catcher: an error fails the state." : "No other state to go to."), addCatch),
    ];
  }

  return { editor, supports };
})();
