// "Train my own copy from here": pick one of the job's checkpoints (and, if wanted, more
// epochs or another learning rate) and start a job of one's own that continues from it.

import { h, replaceChildren } from "./dom.js";

const LATEST = "latest";

export function createForkDialog({ t, api, notify, onForked }) {
  const title = h("h2", { class: "dialog-title", id: "fork-title" });
  const body = h("p", { class: "dialog-body" });
  const epochLabel = h("label", { for: "fork-epoch", class: "dialog-label" });
  const epoch = h("select", { id: "fork-epoch", dataset: { testid: "fork-epoch" } });
  const epochsLabel = h("label", { for: "fork-epochs", class: "dialog-label" });
  const epochs = h("input", { type: "number", id: "fork-epochs", min: "2", dataset: { testid: "fork-epochs" } });
  const message = h("p", { class: "dialog-error", role: "alert", hidden: true, dataset: { testid: "fork-error" } });
  const cancel = h("button", { type: "button", class: "btn btn-ghost", dataset: { testid: "fork-cancel" } });
  const submit = h("button", { type: "button", class: "btn btn-primary", dataset: { testid: "fork-submit" } });
  const dialog = h(
    "dialog",
    { class: "dialog fork-dialog", "aria-labelledby": "fork-title", dataset: { testid: "fork-dialog" } },
    h("div", { class: "dialog-form" }, title, body, epochLabel, epoch, epochsLabel, epochs, message, h("div", { class: "dialog-actions" }, cancel, submit)),
  );
  document.body.append(dialog);
  let job = null;

  cancel.addEventListener("click", () => dialog.close());
  submit.addEventListener("click", async () => {
    const changes = {};
    const total = Number(epochs.value);
    if (Number.isInteger(total) && total !== job.epochs) changes.epochs = total;
    // A running job keeps only its newest few checkpoints: "the newest" is left to the
    // server, which picks it as the fork is made, never from the list shown at opening.
    const body = epoch.value === LATEST ? { changes } : { epoch: Number(epoch.value), changes };
    try {
      const fork = await api.forkJob(job.id, body);
      dialog.close();
      notify.info(t()("fork.started", { epoch: fork.forked_from?.epoch ?? body.epoch }));
      onForked(fork);
    } catch (error) {
      const failed = t()("fork.failed", { message: error.message });
      const wanted = epochs.value;
      if (dialog.open) await open(job); // the list as it is now, with what went wrong
      epochs.value = wanted;
      message.hidden = false;
      message.textContent = failed;
    }
  });

  async function open(record) {
    const tr = t();
    job = record;
    title.textContent = tr("fork.title");
    body.textContent = tr("fork.body", { name: record.name ?? record.id });
    epochLabel.textContent = tr("fork.epoch");
    epochsLabel.textContent = tr("fork.epochs");
    cancel.textContent = tr("common.cancel");
    submit.textContent = tr("fork.submit");
    epochs.value = String(record.epochs ?? "");
    message.hidden = true;
    let checkpoints = [];
    try {
      checkpoints = await api.checkpoints(record.id);
    } catch (error) {
      notify.error(tr("fork.failed", { message: error.message }));
      return;
    }
    const newest = checkpoints.at(-1);
    replaceChildren(
      epoch,
      checkpoints.length ? [h("option", { value: LATEST, text: tr("fork.latest", { epoch: newest }) })] : [],
      checkpoints.map((n) => h("option", { value: String(n), text: tr("fork.atEpoch", { epoch: n }) })),
    );
    if (checkpoints.length) epoch.value = LATEST;
    submit.disabled = !checkpoints.length;
    if (!checkpoints.length) {
      message.hidden = false;
      message.textContent = tr("fork.noCheckpoints");
    }
    if (!dialog.open) dialog.showModal();
  }

  return { open };
}
