// The job request's fields come from the server's schema: request ↔ design ↔ URL carries
// every one of them, the forms place them, and a field the server adds needs no page edit.

import assert from "node:assert/strict";
import { test } from "node:test";

import en from "../../frontend/js/i18n/en.js";
import zh from "../../frontend/js/i18n/zh.js";
import { createTranslator } from "../../frontend/js/lib/i18n.js";
import { createJobFields } from "../../frontend/js/lib/job-fields.js";
import { JOB_FORM, sectionFields, withValue } from "../../frontend/js/lib/job-form.js";
import { createReconciler } from "../../frontend/js/lib/reconcile.js";
import { buildJobRequest, createIdFactory, designFromRequest, designToPlain } from "../../frontend/js/lib/spec.js";
import { decodeHash, encodeHash } from "../../frontend/js/lib/url-state.js";
import { CATALOG, JOB_SCHEMA } from "./fixtures/catalog.mjs";

const t = createTranslator({ en, zh }, "en");
const names = (fields) => fields.map((field) => field.name);

// What "Load design" does with a job's request, and what a shared link does with its hash.
function loadDesign(request, schema = JOB_SCHEMA) {
  const reconcile = createReconciler({ ...CATALOG, fields: createJobFields(schema) });
  return reconcile(designFromRequest(request, createIdFactory()));
}
const viaUrl = (design, schema) => loadDesign(decodeHash(encodeHash({ design: designToPlain(design) })).design, schema);

const TUNED = {
  name: "tuned",
  dataset: { name: "spiral", params: { samples: 200 }, test_fraction: 0.25, seed: 11 },
  model: { layers: [{ type: "Linear", out_features: 8 }, { type: "Tanh" }, { type: "Linear", out_features: 2 }] },
  task: "classification",
  loss: "CrossEntropyLoss",
  optimizer: { type: "SGD", lr: 0.05, momentum: 0.9, nesterov: true },
  scheduler: { type: "CosineAnnealingLR", T_max: 50 },
  epochs: 80,
  batch_size: null,
  device: "cpu",
  seed: 3,
  snapshot_every: 2,
  grad_clip: 0.5,
  amp: "bf16",
  compile: false,
  checkpoint_every: 10,
  early_stopping: 7,
};

test("the schema gives the settings, the dataset's own fields and a GAN's", () => {
  const fields = createJobFields(JOB_SCHEMA);
  for (const name of ["grad_clip", "amp", "early_stopping", "checkpoint_every", "compile", "optimizer", "scheduler", "epochs", "name"]) {
    assert.ok(names(fields.settings).includes(name), name);
  }
  assert.ok(!names(fields.settings).includes("model") && !names(fields.settings).includes("dataset"));
  assert.deepEqual(names(fields.dataset), ["test_fraction", "seed"]);
  assert.deepEqual(names(fields.gan), ["latent_dim"]);
  const optimizer = fields.settings.find((field) => field.name === "optimizer");
  assert.equal(optimizer.type, "union");
  assert.equal(optimizer.discriminator, "type");
  assert.deepEqual(Object.keys(optimizer.variants), ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]);
  const scheduler = fields.settings.find((field) => field.name === "scheduler");
  assert.equal(scheduler.nullable, true);
  assert.ok(names(scheduler.variants.StepLR).includes("step_size"));
  assert.deepEqual(fields.settings.find((field) => field.name === "amp").enum, ["bf16"]);
});

test("a design with every setting survives Load design and the URL", () => {
  const loaded = loadDesign(TUNED);
  assert.deepEqual(buildJobRequest(loaded), TUNED);
  assert.deepEqual(buildJobRequest(viaUrl(loaded)), TUNED);
  for (const [path, value] of [["grad_clip", 0.5], ["early_stopping", 7], ["amp", "bf16"], ["checkpoint_every", 10]]) {
    assert.equal(buildJobRequest(viaUrl(loaded))[path], value, path);
  }
  assert.equal(buildJobRequest(viaUrl(loaded)).dataset.seed, 11);
});

test("a field the server adds travels and shows without a page edit", () => {
  const schema = structuredClone(JOB_SCHEMA);
  schema.properties.warmup_epochs = { anyOf: [{ type: "integer", minimum: 1 }, { type: "null" }], default: null, description: "Epochs of linear warm-up." };
  schema.$defs.DatasetRef.properties.shuffle = { type: "boolean", default: true, description: "Shuffle each epoch." };
  const request = { ...TUNED, warmup_epochs: 5, dataset: { ...TUNED.dataset, shuffle: false } };
  const loaded = loadDesign(request, schema);
  assert.deepEqual(buildJobRequest(viaUrl(loaded, schema)), request);
  // This server has no such field: it is not sent.
  assert.equal("warmup_epochs" in buildJobRequest(loadDesign(request)), false);

  const fields = createJobFields(schema);
  const advanced = sectionFields(fields.settings, "settings", "advanced", t);
  const warmup = advanced.at(-1);
  assert.equal(warmup.name, "warmup_epochs");
  assert.equal(warmup.label, "warmup_epochs");
  assert.equal(warmup.description, "Epochs of linear warm-up.");
  assert.ok(names(sectionFields(fields.dataset, "dataset", "dataset", t)).includes("shuffle"));
});

test("the table places the fields, in its order, with the page's words", () => {
  const fields = createJobFields(JOB_SCHEMA);
  const main = sectionFields(fields.settings, "settings", "main", t);
  assert.deepEqual(names(main), ["task", "loss", "optimizer", "epochs", "batch_size", "shuffle", "seed", "device", "doctor"]);
  const advanced = sectionFields(fields.settings, "settings", "advanced", t);
  assert.deepEqual(names(advanced), [
    "loss_params", "loss_report", "print_every", "scheduler", "early_stopping", "grad_clip", "amp", "compile", "checkpoint_every", "snapshot_every", "name",
  ]);
  const batch = main.find((field) => field.name === "batch_size");
  assert.equal(batch.label, "batch size");
  assert.equal(batch.emptyLabel, "full batch");
  assert.equal(batch.testid, "batch_size");
  const lr = main.find((field) => field.name === "optimizer").variants.Adam.find((member) => member.name === "lr");
  assert.equal(lr.label, "learning rate");
  assert.equal(lr.testid, "optimizer-lr");
  const zhMain = sectionFields(fields.settings, "settings", "main", createTranslator({ en, zh }, "zh"));
  assert.equal(zhMain.find((field) => field.name === "epochs").label, "训练轮数");
  assert.deepEqual(names(sectionFields(fields.gan, "gan", "gan", t)), ["latent_dim"]);
});

test("every key the table names is in the string tables", () => {
  for (const entry of JOB_FORM) {
    for (const key of [entry.label, entry.empty].filter(Boolean)) assert.ok(key in en && key in zh, key);
  }
});

test("the doctor's policy is a group of its members, their choices named in the page's language", () => {
  const fields = createJobFields(JOB_SCHEMA);
  const zhT = createTranslator({ en, zh }, "zh");
  const doctor = sectionFields(fields.settings, "settings", "main", zhT).find((field) => field.name === "doctor");
  assert.equal(doctor.type, "object");
  assert.equal(doctor.label, "训练医生");
  assert.deepEqual(names(doctor.fields), ["on_finding", "on_divergence", "rewind_lr_factor", "max_rewinds"]);
  const divergence = doctor.fields.find((field) => field.name === "on_divergence");
  assert.equal(divergence.testid, "doctor-on_divergence");
  // The choices are the server's enum; the page only names them.
  assert.deepEqual(divergence.options, [["fail", "出现 NaN 即失败"], ["rewind", "回退并降低学习率"]]);
  assert.equal(doctor.fields.find((field) => field.name === "max_rewinds").maximum, 10);
  // Every choice of every table entry with `choices` has a name in both tables.
  const byPath = new Map(fields.settings.flatMap((field) => [[field.name, field], ...(field.fields ?? []).map((member) => [`${field.name}.${member.name}`, member])]));
  for (const entry of JOB_FORM.filter((one) => one.choices)) {
    const field = byPath.get(entry.path);
    assert.ok(field?.enum, entry.path);
    for (const value of field.enum) assert.ok(entry.choices + value in en && entry.choices + value in zh, entry.choices + value);
  }
  // A policy set on the page travels in the request as the server spells it.
  const design = loadDesign({ ...TUNED, doctor: { on_divergence: "rewind", max_rewinds: 2, bogus: 1 } });
  assert.deepEqual(buildJobRequest(design).doctor, { on_divergence: "rewind", max_rewinds: 2 });
  assert.equal(loadDesign({ ...TUNED, doctor: { on_finding: "sometimes" } }).training.doctor.on_finding, undefined);
});

test("an emptied field is null where null means something, else left to the server", () => {
  const nullable = { name: "batch_size", nullable: true };
  const plain = { name: "epochs", nullable: false };
  assert.deepEqual(withValue({ batch_size: 32, epochs: 5 }, nullable, undefined), { batch_size: null, epochs: 5 });
  assert.deepEqual(withValue({ batch_size: 32, epochs: 5 }, plain, undefined), { batch_size: 32 });
  assert.deepEqual(withValue({}, plain, 9), { epochs: 9 });
});

test("the loss's options are a group of torch's keywords; the reported loss and the shuffle switch are settings", () => {
  const fields = createJobFields(JOB_SCHEMA);
  const advanced = sectionFields(fields.settings, "settings", "advanced", t);
  const options = advanced.find((field) => field.name === "loss_params");
  assert.equal(options.type, "object");
  assert.deepEqual(names(options.fields), ["reduction", "delta", "beta", "label_smoothing", "pos_weight"]);
  assert.deepEqual(options.fields[0].options, [["mean", "mean"], ["sum", "sum"]]);
  assert.deepEqual(advanced.find((field) => field.name === "loss_report").options.map(([value]) => value), ["epoch_mean", "epoch_sum", "last_batch"]);
  const main = sectionFields(fields.settings, "settings", "main", t);
  assert.equal(main.find((field) => field.name === "shuffle").type, "boolean");
  // Set on the page (or by a preset), they travel in the request as the server spells them.
  const design = loadDesign({ ...TUNED, shuffle: false, loss_report: "epoch_sum", loss_params: { reduction: "sum" } });
  const request = buildJobRequest(design);
  assert.deepEqual([request.shuffle, request.loss_report, request.loss_params], [false, "epoch_sum", { reduction: "sum" }]);
});
