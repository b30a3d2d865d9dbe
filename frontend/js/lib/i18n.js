// String lookup. Every visible string lives in one flat table per language
// (js/i18n/<lang>.js); a missing key falls back to English, then to the key itself
// so a gap is visible instead of blank.

export const FALLBACK_LANGUAGE = "en";

export function createTranslator(tables, lang) {
  const table = tables[lang] ?? tables[FALLBACK_LANGUAGE] ?? {};
  const fallback = tables[FALLBACK_LANGUAGE] ?? {};
  function t(key, vars) {
    const template = table[key] ?? fallback[key] ?? key;
    return vars ? interpolate(template, vars) : template;
  }
  t.lang = lang in tables ? lang : FALLBACK_LANGUAGE;
  t.has = (key) => key in table || key in fallback;
  return t;
}

// Text the server sends in both languages (`msg` / `msg_zh`, `description` / `description_zh`,
// `note` / `note_zh`): the Chinese on the 中文 page where there is one, else the English.
export function serverText(lang, english, chinese) {
  return (lang === "zh" && chinese) || english;
}

// "{n} layers" + {n: 3} → "3 layers"; unknown placeholders stay as written.
export function interpolate(template, vars) {
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.hasOwn(vars, name) && vars[name] !== undefined && vars[name] !== null ? String(vars[name]) : whole,
  );
}

// The stored choice wins; otherwise the browser's first language we have.
export function pickLanguage({ stored, preferred = [], available }) {
  if (stored && available.includes(stored)) return stored;
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (available.includes(base)) return base;
  }
  return FALLBACK_LANGUAGE;
}
