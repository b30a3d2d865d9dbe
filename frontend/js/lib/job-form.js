// Where the job request's fields appear on the page and the strings that name them: the
// page's one list of those fields. What a field is (type, limits, default, help) comes from
// the server's schema (lib/job-fields.js); a field missing here still appears, by its name,
// in its part's default section ("advanced" for the settings).
//
//   path     the field in the request: "epochs", "dataset.seed" (the dataset's),
//            "model.latent_dim" (a GAN model's), "optimizer.lr" (a member of the optimizer)
//   section  "dataset" (data panel) · "gan" (designer) · "main" · "advanced" (training
//            panel); members have none: they show with their union
//   label    its i18n key; key + "Help" is its help text where the tables have one
//   empty    the i18n key of what leaving it empty means
//   choices  for a field of choices, the i18n key prefix of their names (prefix + value);
//            a value without a key shows as it is

export const JOB_FORM = [
  { path: "dataset.test_fraction", section: "dataset", label: "dataset.testFraction" },
  { path: "dataset.seed", section: "dataset", label: "dataset.dataSeed", empty: "dataset.dataSeedEmpty" },
  { path: "model.latent_dim", section: "gan", label: "designer.latentDim" },
  { path: "task", section: "main", label: "training.task" },
  { path: "loss", section: "main", label: "training.loss" },
  { path: "optimizer", section: "main", label: "training.optimizer" },
  { path: "optimizer.lr", label: "training.lr" },
  { path: "epochs", section: "main", label: "training.epochs" },
  { path: "batch_size", section: "main", label: "training.batch_size", empty: "training.fullBatch" },
  { path: "shuffle", section: "main", label: "training.shuffle" },
  { path: "seed", section: "main", label: "training.seed" },
  { path: "device", section: "main", label: "training.device" },
  { path: "doctor", section: "main", label: "training.doctor" },
  { path: "doctor.on_finding", label: "training.doctor.on_finding", choices: "training.doctor.on_finding." },
  { path: "doctor.on_divergence", label: "training.doctor.on_divergence", choices: "training.doctor.on_divergence." },
  { path: "doctor.rewind_lr_factor", label: "training.doctor.rewind_lr_factor" },
  { path: "doctor.max_rewinds", label: "training.doctor.max_rewinds" },
  { path: "loss_params", section: "advanced", label: "training.loss_params" },
  { path: "loss_params.reduction", label: "training.loss_params.reduction", choices: "training.loss_params.reduction." },
  { path: "loss_params.delta", label: "training.loss_params.delta", empty: "training.torchDefault" },
  { path: "loss_params.beta", label: "training.loss_params.beta", empty: "training.torchDefault" },
  { path: "loss_params.label_smoothing", label: "training.loss_params.label_smoothing", empty: "training.torchDefault" },
  { path: "loss_params.pos_weight", label: "training.loss_params.pos_weight", empty: "training.torchDefault" },
  { path: "loss_report", section: "advanced", label: "training.loss_report", choices: "training.loss_report." },
  { path: "print_every", section: "advanced", label: "training.print_every" },
  { path: "scheduler", section: "advanced", label: "training.scheduler", empty: "training.noScheduler" },
  { path: "early_stopping", section: "advanced", label: "training.early_stopping", empty: "training.never" },
  { path: "grad_clip", section: "advanced", label: "training.grad_clip", empty: "form.none" },
  { path: "amp", section: "advanced", label: "training.amp", empty: "training.ampOff" },
  { path: "compile", section: "advanced", label: "training.compile", empty: "training.compileAuto" },
  { path: "checkpoint_every", section: "advanced", label: "training.checkpoint_every", empty: "training.serverDefault" },
  { path: "snapshot_every", section: "advanced", label: "training.snapshot_every" },
  { path: "name", section: "advanced", label: "training.name", empty: "training.namePlaceholder" },
];

// Each part of the request (lib/job-fields.js) by its path prefix, and where its fields
// go when the table doesn't say.
export const PARTS = Object.freeze({
  settings: { prefix: "", section: "advanced" },
  dataset: { prefix: "dataset.", section: "dataset" },
  gan: { prefix: "model.", section: "gan" },
});

const BY_PATH = new Map(JOB_FORM.map((entry) => [entry.path, entry]));
const ORDER = new Map(JOB_FORM.map((entry, index) => [entry.path, index]));

// The fields of one part that go in `section`, in the table's order (fields it doesn't
// know last), each labelled in the page's language and given a testid (its path, "-" for
// ".") and, for a union, its variants' members labelled too (an object's members likewise).
export function sectionFields(fields, part, section, t) {
  const { prefix, section: fallback } = PARTS[part];
  const path = (field) => prefix + field.name;
  const rank = (field) => ORDER.get(path(field)) ?? Infinity;
  return fields
    .filter((field) => (BY_PATH.get(path(field))?.section ?? fallback) === section)
    .sort((a, b) => rank(a) - rank(b))
    .map((field) => labelled(field, path(field), t));
}

function labelled(field, path, t) {
  const entry = BY_PATH.get(path);
  const help = entry && t.has(`${entry.label}Help`) ? t(`${entry.label}Help`) : field.description;
  // Empty means null for a nullable field: say so when its default is something else.
  const empty = entry?.empty ? t(entry.empty) : field.nullable && field.default !== null ? t("form.none") : null;
  const out = { ...field, label: entry ? t(entry.label) : field.name, description: help, emptyLabel: empty, testid: path.replaceAll(".", "-") };
  if (entry?.choices && field.enum) out.options = field.enum.map((value) => [value, t.has(entry.choices + value) ? t(entry.choices + value) : String(value)]);
  if (field.type === "object" && field.fields?.length) out.fields = field.fields.map((member) => labelled(member, `${path}.${member.name}`, t));
  if (field.type === "union") {
    out.variants = Object.fromEntries(
      Object.entries(field.variants).map(([name, members]) => [name, members.map((member) => labelled(member, `${path}.${member.name}`, t))]),
    );
  }
  return out;
}

// `values` with the field set as a form gave it: undefined (left empty) is null for a
// nullable field (its empty means "none": full batch, no scheduler, the job's seed),
// and otherwise leaves the field out, for the server's default.
export function withValue(values, field, value) {
  const next = { ...values };
  if (value === undefined && !field?.nullable) delete next[field?.name];
  else next[field.name] = value ?? null;
  return next;
}
