// Stepwise console: which run of each state the execution page shows.
//
// A state inside a Map iteration or a Parallel branch, or one a loop entered several times,
// has a record per run (progress.js). The page keeps a pick per state (an entry, and for an
// inline Map an iteration) and resolves, top down through the definition, the record each
// state is coloured and described by: the entry picked (else the latest) of a state whose
// enclosing runs are all picked, else the sum over the runs of its scope.
"use strict";

const Scopes = (() => {
  const procOf = (s) => s && s.Type === "Map" && (s.ItemProcessor || s.Iterator);
  const inline = (s) => procOf(s) && !isDistributed(s);
  const statesOf = (d) => (d && typeof d.States === "object" && d.States) || {};

  // parents maps every nested state to its container: {name, kind: "map"|"branch", index}.
  function parents(def, out = new Map(), up = null) {
    for (const [name, s] of Object.entries(statesOf(def))) {
      if (up) out.set(name, up);
      if (s && s.Type === "Parallel" && Array.isArray(s.Branches)) s.Branches.forEach((b, i) => parents(b, out, { name, kind: "branch", index: i }));
      const proc = procOf(s);
      if (proc) parents(proc, out, { name, kind: "map", index: -1 });
    }
    return out;
  }

  // entryOf is the entry picked for a state's record (the latest when none is, or when the
  // pick is out of range).
  function entryOf(rec, pick) {
    if (!rec || !rec.entries.length) return null;
    const p = pick && pick.entry;
    const i = Number.isInteger(p) && p >= 0 && p < rec.entries.length ? p : rec.entries.length - 1;
    return { entry: rec.entries[i], index: i };
  }

  // resolve returns {view: name -> record shown, where: name -> {scope, exact}}, where exact
  // says that the scope is one run (every enclosing Map iteration picked).
  function resolve(def, progress, picks) {
    const view = {}, where = {};
    const walk = (d, scope, exact) => {
      for (const [name, s] of Object.entries(statesOf(d))) {
        const rec = progress.rec(scope, name);
        where[name] = { scope, exact };
        const e = exact ? entryOf(rec, picks.get(name)) : null;
        view[name] = e && rec.entries.length > 1 ? e.entry : rec;
        if (s && s.Type === "Parallel" && Array.isArray(s.Branches)) {
          s.Branches.forEach((b, i) => {
            if (e) walk(b, e.entry.key + "%" + i, true);
            else walk(b, scope, false);
          });
        }
        const proc = procOf(s);
        if (proc) {
          const pick = picks.get(name);
          const it = e && inline(s) && pick && Number.isInteger(pick.iteration) ? e.entry.iterations[pick.iteration] : null;
          if (it) walk(proc, it.scope, true);
          else walk(proc, scope, false);
        }
      }
    };
    walk(def, "", true);
    return { view, where };
  }

  return { resolve, parents, entryOf, inline, statesOf, procOf };
})();
