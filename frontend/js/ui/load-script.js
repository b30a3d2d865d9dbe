// Loads a classic script (the Plotly bundle) on demand.
// Resolves to window[globalName] once the script ran, or null if it failed to load.
export function loadScript(src, globalName) {
  if (window[globalName]) return Promise.resolve(window[globalName]);
  return new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = true;
    script.onload = () => resolve(window[globalName] ?? null);
    script.onerror = () => resolve(null);
    document.head.append(script);
  });
}
