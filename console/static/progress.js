// Stepwise console: each state's progress, rebuilt from the history events.
//
// Events are threaded by previousEventId. A state's own events (TaskScheduled,
// ParallelStateSucceeded, ...) carry no state name, so each event gets the stack of frames
// open on its thread: StateEntered pushes, StateExited pops, and an unnamed event belongs to
// the state on top of its predecessor's stack. Stacks are shared linked lists, so a 25,000
// event history costs one small object per event.
//
// Frames also carry a scope: where in the execution a state runs. MapIterationStarted opens
// an iteration frame ("/M@0#3": iteration 3 of the first entry of Map M), and the first state
// of a Parallel's branch opens a branch frame ("/P@0%1": branch 1 of the first entry of P;
// events name no branch, but state names are unique in a definition, so the state says
// which). Each state has a record per scope it ran under, counting the scopes nested in it
// ("" is the whole execution), and a record per entry (a loop enters a state several times).
// Every event updates a few records, once: nothing is rescanned.
//
// Each scope also has a label for the history table, innermost first ("Map Each #3 ·
// Branch 2"), and each event inside an iteration or a branch keeps its scope (a Map's
// MapIteration events theirs: the iteration they start or end).
//
// When an iteration or a branch fails, the events that abort the others (TaskStateAborted,
// WaitStateAborted, ...) all follow the event that caused the failure, as AWS records them,
// and name no state. An abort belongs to the first open state of its type found from the
// cause outwards: at each state around the cause, its running iterations and branches in
// order (each searched the same way) before the state itself, the order the engine aborts
// them in. A history where an abort follows its own state's last event finds that state first.
"use strict";

class Progress {
  constructor(def) {
    this.stacks = new Map(); // event id -> frame (null: no open state)
    this.recs = new Map(); // scope + "\n" + name -> record
    this.states = {}; // name -> record of scope "" (the whole execution)
    this.owner = new Map(); // event id -> state name
    this.scopes = new Map(); // event id -> scope, for the events inside an iteration or a branch
    this.labels = new Map([["", ""]]); // scope -> its label ("" for the whole execution)
    this.lastId = 0;
    this.events = []; // the whole history read so far, oldest first (the history table's)
    this.ended = ""; // "succeeded" or "failed" once the execution ended
    this.all = []; // every record and entry, to close them when the execution ends
    this.chains = new Map(); // scope -> [scope and its ancestors]
    this.branchOf = new Map(); // state name -> {parent, index}: the first states of Parallel branches
    this.open = new Map(); // scope -> the state frame entered in it and not exited or aborted
    this.types = new Map(); // state name -> Type
    for (const [name, s] of (typeof Graph !== "undefined" ? Graph.stateDefs(def) : new Map())) {
      this.types.set(name, s && s.Type);
      if (s && s.Type === "Parallel" && Array.isArray(s.Branches)) {
        s.Branches.forEach((b, i) => { if (b && b.StartAt) this.branchOf.set(b.StartAt, { parent: name, index: i }); });
      }
    }
  }

  static record(key) {
    return { status: "running", entered: 0, exited: 0, failed: false, input: null, output: null, events: [], entries: [], key };
  }

  // rec returns the record of a state in a scope (created on first use when make is set).
  rec(scope, name, make = false) {
    const k = scope + "\n" + name;
    let r = this.recs.get(k);
    if (!r && make) {
      r = Progress.record(scope);
      this.recs.set(k, r);
      this.all.push(r);
      if (scope === "") this.states[name] = r;
    }
    return r;
  }

  // state is the whole execution's record of a state.
  state(name) {
    return this.rec("", name, true);
  }

  chain(scope) {
    let c = this.chains.get(scope);
    if (!c) {
      c = scope === "" ? [""] : [scope, ...this.chain(scope.slice(0, scope.lastIndexOf("/")))];
      this.chains.set(scope, c);
    }
    return c;
  }

  // add takes events in ascending id order; ids already seen are skipped.
  add(events) {
    for (const e of events) {
      if (e.id <= this.lastId) continue;
      this.lastId = e.id;
      this.events.push(e);
      this.one(e);
    }
  }

  one(e) {
    const t = e.type;
    const prev = this.stacks.get(e.previousEventId) || null;
    let stack = prev;
    let frame = prev && (prev.kind === "state" ? prev : prev.of); // the owner's state frame
    let owner = frame ? frame.name : "";
    const entered = t.endsWith("StateEntered") && e.stateEnteredEventDetails;
    const exited = t.endsWith("StateExited") && e.stateExitedEventDetails;
    let recs;
    if (entered) {
      owner = entered.name;
      let top = prev;
      const br = this.branchOf.get(owner);
      if (br && top && top.kind === "state" && top.name === br.parent) {
        const scope = top.entry.key + "%" + br.index;
        top.entry.branches[br.index] = { index: br.index, scope };
        this.label(scope, top.scope, `Branch ${br.index + 1}`);
        top = { kind: "branch", name: br.parent, up: top, of: top, scope };
      }
      const scope = top ? top.scope : "";
      const here = this.rec(scope, owner, true);
      const entry = Progress.record(`${scope}/${owner}@${here.entries.length}`);
      entry.iterations = [];
      entry.branches = [];
      here.entries.push(entry);
      this.all.push(entry);
      frame = stack = { kind: "state", name: owner, up: top, scope, entry };
      this.open.set(scope, frame);
      recs = this.recsOf(frame);
      for (const s of recs) {
        s.entered++;
        s.status = t === "FailStateEntered" ? "failed" : "running";
        s.failed = t === "FailStateEntered";
        s.input = entered.input;
      }
    } else if (exited) {
      owner = exited.name;
      // Pop down to the exited state (an exit closes whatever it opened).
      let p = prev;
      while (p && !(p.kind === "state" && p.name === owner)) p = p.up;
      frame = p;
      stack = p ? p.up : prev;
      if (p && this.open.get(p.scope) === p) this.open.delete(p.scope);
      recs = p ? this.recsOf(p) : [this.state(owner)];
      for (const s of recs) {
        s.exited++;
        s.status = s.failed ? "caught" : "succeeded";
        s.output = exited.output;
      }
    } else if (t.startsWith("MapIteration")) {
      const d = e[t[0].toLowerCase() + t.slice(1) + "EventDetails"];
      if (d && d.name) {
        owner = d.name;
        let p = prev;
        while (p && !(p.kind === "state" && p.name === owner)) p = p.up;
        frame = p;
        if (p) {
          const its = p.entry.iterations;
          if (t === "MapIterationStarted") {
            const scope = p.entry.key + "#" + d.index;
            its[d.index] = { index: d.index, status: "running", scope, events: [] };
            this.label(scope, p.scope, `Map ${owner} #${d.index}`);
            stack = { kind: "iteration", name: owner, up: p, of: p, scope };
          } else {
            if (!its[d.index]) its[d.index] = { index: d.index, status: "running", scope: p.entry.key + "#" + d.index, events: [] };
            its[d.index].status = t === "MapIterationSucceeded" ? "succeeded" : t === "MapIterationFailed" ? "failed" : "aborted";
            stack = p;
          }
          its[d.index].events.push(e);
          if (this.labels.has(its[d.index].scope)) this.scopes.set(e.id, its[d.index].scope);
        }
      }
    } else if (t.endsWith("StateAborted")) {
      const type = t.slice(0, -"StateAborted".length);
      let found = null;
      for (let p = prev; p && !found; p = p.up) if (p.kind === "state") found = this.aborted(p, type);
      if (found) {
        this.open.delete(found.scope);
        frame = stack = found;
        owner = found.name;
      }
    } else if (/^(Map|Parallel)State/.test(t)) {
      // A Map's or a Parallel's own event (MapStateFailed after a failed iteration follows
      // that iteration's last event) belongs to the nearest open state of its type.
      const type = t.startsWith("Map") ? "Map" : "Parallel";
      let p = prev;
      while (p && !(p.kind === "state" && this.types.get(p.name) === type)) p = p.up;
      if (p) {
        frame = stack = p;
        owner = p.name;
      }
    } else if (t.startsWith("Execution")) {
      owner = "";
      frame = null;
      if (t === "ExecutionSucceeded") this.ended = "succeeded";
      else if (t === "ExecutionRedriven") this.ended = ""; // running again: the failed states re-enter
      else if (/^Execution(Failed|TimedOut|Aborted)$/.test(t)) {
        this.ended = "failed";
        for (const s of this.all) {
          if (s.status === "running") s.status = "failed";
          for (const it of s.iterations || []) if (it && it.status === "running") it.status = "aborted";
        }
      }
    }
    if (owner && !recs) recs = frame ? this.recsOf(frame) : [this.state(owner)];
    if (t === "MapStateStarted" && frame && e.mapStateStartedEventDetails) frame.entry.length = e.mapStateStartedEventDetails.length;
    if (!entered && !exited && owner && !t.startsWith("Execution")) {
      for (const s of recs) {
        if (/(Failed|TimedOut|Aborted)$/.test(t)) {
          s.failed = true;
          s.status = "failed";
        } else if (s.failed && /(Scheduled|StateStarted)$/.test(t)) {
          s.failed = false; // a retry
          s.status = "running";
        }
      }
    }
    this.stacks.set(e.id, stack);
    if (owner) {
      this.owner.set(e.id, owner);
      if (frame && frame.scope && !this.scopes.has(e.id)) this.scopes.set(e.id, frame.scope);
      for (const s of recs) s.events.push(e);
    }
  }

  // aborted is the open state of that type an abort stops, searched in the running
  // iterations and branches of state frame f (each searched the same way), then f itself.
  aborted(f, type) {
    for (const subs of [f.entry.iterations, f.entry.branches]) {
      for (const s of subs) {
        if (!s || (s.status && s.status !== "running")) continue;
        const o = this.open.get(s.scope);
        const found = o && this.aborted(o, type);
        if (found) return found;
      }
    }
    return this.open.get(f.scope) === f && this.types.get(f.name) === type ? f : null;
  }

  // recsOf lists the records an event of a state frame updates: one per enclosing scope,
  // and the entry.
  recsOf(frame) {
    const out = this.chain(frame.scope).map((sc) => this.rec(sc, frame.name, true));
    out.push(frame.entry);
    return out;
  }

  // ownerOf names the state an event belongs to ("" for execution events).
  ownerOf(id) {
    return this.owner.get(id) || "";
  }

  // label names a scope opened in the scope up, innermost first.
  label(scope, up, text) {
    if (!this.labels.has(scope)) this.labels.set(scope, [text, this.labels.get(up)].filter(Boolean).join(" · "));
  }

  // scopeOf labels the iteration or branch an event belongs to ("" outside any).
  scopeOf(id) {
    return this.labels.get(this.scopes.get(id)) || "";
  }
}

// scopeStatus sums up a scope (a branch, an iteration) from its states' records.
function scopeStatus(progress, scope, names) {
  let any = false, running = false, failed = false;
  for (const n of names) {
    const r = progress.rec(scope, n);
    if (!r) continue;
    any = true;
    if (r.status === "running") running = true;
    if (r.status === "failed") failed = true;
  }
  return !any ? "not-reached" : running ? "running" : failed ? "failed" : "succeeded";
}
