// User text (job names, CSV class and column names, layer names) shown literally where the
// page writes markup: innerHTML, and Plotly's legends, titles, tick labels and hovers, which
// render a subset of HTML (<b>, <a href>, <br>, …) and fill %{…} in hover templates.
// Plotly decodes &amp; &lt; &gt; and numeric entities, so the text reads as typed.

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;", "%": "&#37;" };

export function escapeMarkup(value) {
  return String(value ?? "").replace(/[&<>"'%]/g, (char) => ENTITIES[char]);
}
