// Image classification: held-out test images with the predicted and the true label
// (wrong ones in red), and the confusion matrix under them when the snapshot has one.

import { h, replaceChildren } from "../../ui/dom.js";
import * as confusion from "./confusion.js";
import { imageCanvas, slot } from "./util.js";

export function render(el, data, context) {
  const { t } = context;
  const classes = (data.classes ?? []).map(String);
  const name = (index) => classes[index] ?? String(index);
  const title = slot(el, "snap-title", "p");
  title.textContent = t("chart.imagesTitle");
  const grid = slot(el, "snap-grid");
  grid.dataset.testid = "snapshot-images";
  replaceChildren(
    grid,
    (data.images ?? []).map((rows, i) => {
      const predicted = data.predicted?.[i];
      const truth = data.true?.[i];
      const wrong = truth !== undefined && predicted !== truth;
      const confidence = data.confidence?.[i];
      return h(
        "figure",
        { class: ["snap-cell", wrong && "wrong"], title: confidence === undefined ? "" : `${Math.round(confidence * 100)} %` },
        imageCanvas(rows),
        h(
          "figcaption",
          { title: t("chart.imageCaption", { predicted: name(predicted), true: name(truth) }) },
          h("span", { class: "snap-predicted", text: name(predicted) }),
          h("span", { class: "snap-true", text: t("chart.imageTrue", { true: name(truth) }) }),
        ),
      );
    }),
  );
  if (data.confusion?.matrix) {
    const caption = slot(el, "snap-subtitle", "p");
    const accuracy = data.confusion.accuracy;
    caption.textContent = t("chart.confusionAccuracy", { accuracy: accuracy === null || accuracy === undefined ? "–" : `${(accuracy * 100).toFixed(1)} %` });
    const plot = slot(el, "snap-confusion");
    plot.dataset.testid = "snapshot-confusion";
    confusion.render(plot, data.confusion, context);
  }
}
