// Stepwise console: a state machine's versions and aliases, and the targets an execution can
// be started on (the latest revision, a version, an alias).
"use strict";

const versionNo = (arn) => arn.split(":").pop(); // arn:...:stateMachine:name:3 -> "3"

// confirmButton runs action on a second click within 5 s (no modal dialog: it would block
// the keyboard and the tests).
function confirmButton(label, attrs, action) {
  const b = h("button", Object.assign({ type: "button", class: "danger" }, attrs), label);
  b.addEventListener("click", async () => {
    if (!b.dataset.armed) {
      b.dataset.armed = "1";
      b.textContent = "Confirm";
      setTimeout(() => { delete b.dataset.armed; b.textContent = label; }, 5000);
      return;
    }
    b.disabled = true;
    try { await action(); } catch (err) { showError(err); b.disabled = false; }
  });
  return b;
}

// versionsPanel lists versions and aliases, publishes, deletes, and creates or updates
// aliases. onChange receives the current targets after every load.
function versionsPanel(sm, onChange) {
  const arn = sm.stateMachineArn;
  const versionsBody = h("tbody");
  const aliasesBody = h("tbody");
  const desc = h("input", { id: "version-description", maxlength: 256, placeholder: "What changed", "aria-label": "Version description" });
  const publish = h("button", { type: "submit", class: "primary", id: "publish-version" }, "Publish version");
  const publishForm = h("form", { class: "row", id: "publish-form" }, desc, publish);

  // The alias form creates, or updates the alias being edited.
  const aName = h("input", { id: "alias-name", maxlength: 80, required: true });
  const aDesc = h("input", { id: "alias-description", maxlength: 256 });
  const v1 = h("select", { id: "alias-version-1", required: true });
  const v2 = h("select", { id: "alias-version-2" });
  const w1 = h("input", { id: "alias-weight-1", type: "number", min: 0, max: 100, value: 100, required: true });
  const w2 = h("output", { id: "alias-weight-2", for: "alias-weight-1" }, "0");
  const aSave = h("button", { type: "submit", class: "primary", id: "alias-save" }, "Create alias");
  const aCancel = h("button", { type: "button", id: "alias-cancel", hidden: true }, "Cancel");
  const aMsg = h("p", { class: "hint", id: "alias-msg", "aria-live": "polite" });
  const aliasForm = h("form", { class: "alias-form", id: "alias-form" },
    h("div", { class: "fields" },
      h("label", {}, "Alias name", aName), h("label", { class: "grow" }, "Description", aDesc)),
    h("div", { class: "fields" },
      h("label", {}, "Version", v1), h("label", {}, "Weight %", w1),
      h("label", {}, "Second version (optional)", v2), h("label", {}, "Its weight %", w2)),
    h("div", { class: "row" }, aSave, aCancel), aMsg);
  let editing = null; // the alias ARN being updated

  const syncWeights = () => {
    const a = Math.max(0, Math.min(100, Number(w1.value) || 0));
    w2.textContent = v2.value ? String(100 - a) : "–";
    w1.disabled = !v2.value;
    if (!v2.value) w1.value = 100;
  };
  v2.addEventListener("change", () => { if (v2.value && Number(w1.value) === 100) w1.value = 50; syncWeights(); });
  w1.addEventListener("input", syncWeights);
  const resetAlias = () => {
    editing = null;
    aName.disabled = false;
    aName.value = aDesc.value = "";
    v2.value = "";
    w1.value = 100;
    aSave.textContent = "Create alias";
    aCancel.hidden = true;
    syncWeights();
  };
  aCancel.addEventListener("click", resetAlias);

  let versions = [], aliases = [];
  const load = async () => {
    const [vs, as] = await Promise.all([
      sfn("ListStateMachineVersions", { stateMachineArn: arn, maxResults: 1000 }),
      sfn("ListStateMachineAliases", { stateMachineArn: arn, maxResults: 100 }),
    ]);
    versions = await Promise.all(vs.stateMachineVersions.map((v) =>
      sfn("DescribeStateMachine", { stateMachineArn: v.stateMachineVersionArn }).then((d) => Object.assign({}, v, { description: d.description || "" }))));
    aliases = await Promise.all(as.stateMachineAliases.map((a) => sfn("DescribeStateMachineAlias", { stateMachineAliasArn: a.stateMachineAliasArn })));
    const opts = (none) => [none ? h("option", { value: "" }, none) : null, ...versions.map((v) => h("option", { value: v.stateMachineVersionArn }, "Version " + versionNo(v.stateMachineVersionArn)))];
    const keep1 = v1.value, keep2 = v2.value;
    v1.replaceChildren(...opts(null));
    v2.replaceChildren(...opts("None"));
    if (keep1) v1.value = keep1;
    v2.value = keep2;
    syncWeights();
    aSave.disabled = !versions.length;
    aMsg.textContent = versions.length ? "" : "Publish a version first: an alias routes to versions.";
    versionsBody.replaceChildren(...versions.map((v) => h("tr", { "data-version": versionNo(v.stateMachineVersionArn) },
      h("td", {}, h("strong", {}, versionNo(v.stateMachineVersionArn))),
      h("td", {}, v.description || h("span", { class: "hint" }, "–")),
      h("td", {}, fmtTime(v.creationDate)),
      h("td", {}, confirmButton("Delete", { "aria-label": "Delete version " + versionNo(v.stateMachineVersionArn) }, async () => {
        await sfn("DeleteStateMachineVersion", { stateMachineVersionArn: v.stateMachineVersionArn });
        await reload();
      })))));
    if (!versions.length) versionsBody.append(h("tr", {}, h("td", { colspan: 4, class: "empty" }, "No versions.")));
    aliasesBody.replaceChildren(...aliases.map((a) => h("tr", { "data-alias": a.name },
      h("td", {}, h("strong", {}, a.name)),
      h("td", { class: "routing" }, a.routingConfiguration.map((r) => `v${versionNo(r.stateMachineVersionArn)}: ${r.weight}%`).join(" · ")),
      h("td", {}, a.description || h("span", { class: "hint" }, "–")),
      h("td", { class: "row" },
        h("button", { type: "button", class: "edit-alias", "aria-label": "Edit alias " + a.name, onclick: () => editAlias(a) }, "Edit"),
        confirmButton("Delete", { "aria-label": "Delete alias " + a.name }, async () => {
          await sfn("DeleteStateMachineAlias", { stateMachineAliasArn: a.stateMachineAliasArn });
          if (editing === a.stateMachineAliasArn) resetAlias();
          await reload();
        })))));
    if (!aliases.length) aliasesBody.append(h("tr", {}, h("td", { colspan: 4, class: "empty" }, "No aliases.")));
    onChange({ versions, aliases });
  };
  const reload = () => load().catch(showError);

  const editAlias = (a) => {
    editing = a.stateMachineAliasArn;
    aName.value = a.name;
    aName.disabled = true;
    aDesc.value = a.description || "";
    const [r1, r2] = a.routingConfiguration;
    v1.value = r1.stateMachineVersionArn;
    v2.value = r2 ? r2.stateMachineVersionArn : "";
    w1.value = r1.weight;
    aSave.textContent = "Update alias";
    aCancel.hidden = false;
    syncWeights();
    aDesc.focus();
  };

  publishForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    publish.disabled = true;
    try {
      await sfn("PublishStateMachineVersion", { stateMachineArn: arn, description: desc.value || undefined });
      desc.value = "";
      await load();
    } catch (err) { showError(err); } finally { publish.disabled = false; }
  });
  aliasForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const routing = [{ stateMachineVersionArn: v1.value, weight: v2.value ? Number(w1.value) : 100 }];
    if (v2.value) {
      if (v2.value === v1.value) { aMsg.textContent = "Choose two different versions."; return; }
      routing.push({ stateMachineVersionArn: v2.value, weight: 100 - Number(w1.value) });
    }
    aSave.disabled = true;
    try {
      if (editing) {
        await sfn("UpdateStateMachineAlias", { stateMachineAliasArn: editing, description: aDesc.value, routingConfiguration: routing });
      } else {
        await sfn("CreateStateMachineAlias", { name: aName.value, description: aDesc.value || undefined, routingConfiguration: routing });
      }
      resetAlias();
      await load();
    } catch (err) { showError(err); } finally { aSave.disabled = !versions.length; }
  });

  syncWeights();
  const el = h("section", { class: "panel", id: "versions" },
    h("div", { class: "two" },
      h("div", {},
        h("h2", {}, "Versions"), publishForm,
        h("div", { class: "table-box" }, h("table", { class: "list", id: "versions-table" },
          h("thead", {}, h("tr", {}, h("th", {}, "Version"), h("th", {}, "Description"), h("th", {}, "Published"), h("th", {}, ""))), versionsBody))),
      h("div", {},
        h("h2", {}, "Aliases"),
        h("div", { class: "table-box" }, h("table", { class: "list", id: "aliases-table" },
          h("thead", {}, h("tr", {}, h("th", {}, "Alias"), h("th", {}, "Routing"), h("th", {}, "Description"), h("th", {}, ""))), aliasesBody)),
        aliasForm)));
  return { el, load: reload };
}
