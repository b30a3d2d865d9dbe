// Fields whose text does not parse, keyed "<scope>:<field>" (or "<layer id>.<field>").
// Start stays disabled while any is set; a form that is rebuilt from the stored
// values drops its own keys, since the bad text is gone with it.

export function withFormError(formErrors, key, message) {
  const next = { ...formErrors };
  if (message) next[key] = message;
  else delete next[key];
  return next;
}

export function withoutFormErrors(formErrors, matches) {
  const next = Object.fromEntries(Object.entries(formErrors ?? {}).filter(([key]) => !matches(key)));
  return Object.keys(next).length === Object.keys(formErrors ?? {}).length ? formErrors : next;
}
