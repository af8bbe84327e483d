// Stepwise console: each state's progress, rebuilt from the history events.
//
// Events are threaded by previousEventId. A state's own events (TaskScheduled,
// ParallelStateSucceeded, ...) carry no state name, so each event gets the stack of states
// open on its thread: StateEntered pushes, StateExited pops, and an unnamed event belongs to
// the state on top of its predecessor's stack. Stacks are shared linked lists, so a 25,000
// event history costs one small object per event.
"use strict";

class Progress {
  constructor() {
    this.stacks = new Map(); // event id -> {name, up} (null: no open state)
    this.states = {}; // name -> {status, entered, exited, failed, input, output, events: []}
    this.owner = new Map(); // event id -> state name
    this.lastId = 0;
    this.ended = ""; // "succeeded" or "failed" once the execution ended
  }

  state(name) {
    let s = this.states[name];
    if (!s) s = this.states[name] = { status: "running", entered: 0, exited: 0, failed: false, input: null, output: null, events: [] };
    return s;
  }

  // add takes events in ascending id order; ids already seen are skipped.
  add(events) {
    for (const e of events) {
      if (e.id <= this.lastId) continue;
      this.lastId = e.id;
      this.one(e);
    }
  }

  one(e) {
    const t = e.type;
    const prev = this.stacks.get(e.previousEventId) || null;
    let stack = prev;
    let owner = prev ? prev.name : "";
    const entered = t.endsWith("StateEntered") && e.stateEnteredEventDetails;
    const exited = t.endsWith("StateExited") && e.stateExitedEventDetails;
    if (entered) {
      owner = entered.name;
      stack = { name: owner, up: prev };
      const s = this.state(owner);
      s.entered++;
      s.status = t === "FailStateEntered" ? "failed" : "running";
      s.failed = t === "FailStateEntered";
      s.input = entered.input;
    } else if (exited) {
      owner = exited.name;
      // Pop down to the exited state (an exit closes whatever it opened).
      let p = prev;
      while (p && p.name !== owner) p = p.up;
      stack = p ? p.up : prev;
      const s = this.state(owner);
      s.exited++;
      s.status = s.failed ? "caught" : "succeeded";
      s.output = exited.output;
    } else if (t.startsWith("MapIteration")) {
      const d = e[t[0].toLowerCase() + t.slice(1) + "EventDetails"];
      if (d && d.name) owner = d.name;
    } else if (t.startsWith("Execution")) {
      owner = "";
      if (t === "ExecutionSucceeded") this.ended = "succeeded";
      else if (t === "ExecutionRedriven") this.ended = ""; // running again: the failed states re-enter
      else if (/^Execution(Failed|TimedOut|Aborted)$/.test(t)) {
        this.ended = "failed";
        for (const s of Object.values(this.states)) if (s.status === "running") s.status = "failed";
      }
    }
    if (!entered && !exited && owner && !t.startsWith("Execution")) {
      const s = this.state(owner);
      if (/(Failed|TimedOut|Aborted)$/.test(t)) {
        s.failed = true;
        s.status = "failed";
      } else if (s.failed && /(Scheduled|StateStarted)$/.test(t)) {
        s.failed = false; // a retry
        s.status = "running";
      }
    }
    this.stacks.set(e.id, stack);
    if (owner) {
      this.owner.set(e.id, owner);
      this.state(owner).events.push(e);
    }
  }

  // ownerOf names the state an event belongs to ("" for execution events).
  ownerOf(id) {
    return this.owner.get(id) || "";
  }
}
