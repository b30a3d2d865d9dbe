import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import en from "../../frontend/js/i18n/en.js";
import zh from "../../frontend/js/i18n/zh.js";
import { bestMember, memberLabel, parseValues, rowOfError, scatterPoints, sortMembers, suggestedPaths, sweepBody } from "../../frontend/js/features/sweep/model.js";

const member = (id, values, train, val, accuracy, status = "completed") => ({ id, values, train_loss: train, val_loss: val, metrics: { accuracy }, status, stopped_by: null });

test("axis values: JSON where it parses, text otherwise, commas inside brackets kept", () => {
  assert.deepEqual(parseValues("0.001, 0.01,1e-1"), [0.001, 0.01, 0.1]);
  assert.deepEqual(parseValues("Adam, SGD , null, true"), ["Adam", "SGD", null, true]);
  assert.deepEqual(parseValues("[1, 2], [3]"), [[1, 2], [3]]);
  assert.deepEqual(parseValues(" , "), []);
});

test("the form becomes a sweep body, or errors at the row at fault", () => {
  const base = { dataset: { name: "xor" } };
  const form = { name: " grid ", axes: [{ path: "optimizer.lr", values: "0.1, 0.01" }, { path: "", values: "" }], mode: "grid", rule: "" };
  assert.deepEqual(sweepBody(base, form).body, { name: "grid", base, axes: { "optimizer.lr": [0.1, 0.01] }, mode: "grid" });
  const random = sweepBody(base, { ...form, mode: "random", count: "3", rule: "median", atEpochs: "2, 4" }).body;
  assert.equal(random.count, 3);
  assert.deepEqual(random.early_stopping, { rule: "median", at_epochs: [2, 4] });
  const bad = sweepBody(base, { ...form, axes: [{ path: "seed", values: "" }, { path: "", values: "1" }, { path: "seed", values: "1" }] });
  assert.deepEqual(bad.errors, [{ row: 0, key: "sweep.error.noValues" }, { row: 1, key: "sweep.error.noPath" }]);
  assert.deepEqual(sweepBody(base, { ...form, axes: [] }).errors, [{ row: null, key: "sweep.error.noAxes" }]);
  assert.deepEqual(sweepBody(base, { ...form, rule: "halving", atEpochs: "0" }).errors, [{ row: null, key: "sweep.error.atEpochs" }]);
  for (const error of [...bad.errors, { key: "sweep.error.noAxes" }, { key: "sweep.error.atEpochs" }, { key: "sweep.error.count" }, { key: "sweep.error.samePath" }]) {
    assert.ok(error.key in en && error.key in zh, error.key);
  }
  assert.equal(rowOfError(["axes", "seed", 1, "seed"], { axes: [{ path: "lr" }, { path: " seed" }] }), 1);
  assert.equal(rowOfError(["base", "epochs"], { axes: [{ path: "seed" }] }), null);
});

test("members sort by a column with missing values last, and the best is the lowest validation loss", () => {
  const members = [
    member("a", { "optimizer.lr": 0.1 }, 0.3, 0.5, 0.7),
    member("b", { "optimizer.lr": 0.01 }, 0.2, 0.25, 0.9),
    member("c", { "optimizer.lr": 0.001 }, null, null, null, "queued"),
    member("d", { "optimizer.lr": 1 }, 0.1, 0.4, 0.8),
  ];
  assert.deepEqual(sortMembers(members, "val_loss").map((m) => m.id), ["b", "d", "a", "c"]);
  assert.deepEqual(sortMembers(members, "val_loss", true).map((m) => m.id), ["a", "d", "b", "c"]);
  assert.deepEqual(sortMembers(members, "accuracy", true).map((m) => m.id), ["b", "d", "a", "c"]);
  assert.deepEqual(sortMembers(members, "axis:optimizer.lr").map((m) => m.number), [3, 2, 1, 4]);
  assert.equal(bestMember(members).id, "b");
  assert.equal(bestMember(members, "accuracy").id, "b");
  const noValidation = members.map((m) => ({ ...m, val_loss: null }));
  assert.equal(bestMember(noValidation).id, "d"); // the training loss, then
  assert.equal(bestMember([members[2]]), null);
});

test("the scatter: numbers on a log axis when they span 100×, anything else as categories", () => {
  const members = [member("a", { lr: 0.001, opt: "SGD" }, 0.3, 0.5, 0.7), member("b", { lr: 0.1, opt: "Adam" }, 0.2, 0.25, 0.9), member("c", { lr: 0.01, opt: "SGD" }, null, null, null)];
  const lr = scatterPoints(members, "lr", "val_loss");
  assert.equal(lr.type, "log");
  assert.deepEqual(lr.points.map((p) => [p.x, p.y, p.number]), [[0.001, 0.5, 1], [0.1, 0.25, 2]]);
  assert.equal(scatterPoints(members, "opt", "accuracy").type, "category");
  assert.equal(scatterPoints([member("a", { w: 4 }, 1, 1, 1), member("b", { w: 8 }, 1, 1, 1)], "w", "val_loss").type, "linear");
  assert.equal(memberLabel({ "optimizer.lr": 0.01, "model.layers.0.out_features": 8, "optimizer.type": "SGD" }), "lr=0.01 · out_features=8 · type=SGD");
});

test("suggested paths follow the design's sized layers", () => {
  const paths = suggestedPaths({ model: { layers: [{ type: "Linear", out_features: 8 }, { type: "ReLU" }, { type: "Dropout", p: 0.1 }] } });
  assert.ok(paths.includes("optimizer.lr") && paths.includes("model.layers.0.out_features") && paths.includes("model.layers.2.p"));
  assert.ok(!paths.some((path) => path.startsWith("model.layers.1.")));
});

test("the sweep view's keys are in both tables, and it never writes HTML", () => {
  const used = new Set();
  for (const file of ["features/sweep/view.js", "features/sweep/member-card.js", "features/sweep/model.js", "app.js"]) {
    const source = readFileSync(new URL(`../../frontend/js/${file}`, import.meta.url), "utf8");
    assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|eval\(|new Function/);
    for (const match of source.matchAll(/"((?:sweep|view)\.[a-zA-Z.]+)"/g)) used.add(match[1]);
  }
  const dynamic = ["running", "done"].map((s) => `sweep.status.${s}`).concat(["number", "train_loss", "val_loss", "accuracy", "status", "stopped_by"].map((c) => `sweep.column.${c}`));
  const keys = [...used, ...dynamic];
  assert.ok(keys.length > 30);
  assert.deepEqual(keys.filter((key) => !(key in en) || !(key in zh)), []);
});
