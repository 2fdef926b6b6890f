// Stripe's form encoding, read back: `a[b][0][c]=v` pairs (as the official SDKs send bodies and
// query strings) into nested objects, with numeric keys under one parent becoming an array.

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type Form = { [key: string]: FormValue };

/** Parses an `application/x-www-form-urlencoded` string with bracketed keys. */
export function parseForm(text: string): Form {
  const root: Form = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const [head, ...rest] = key.split('[');
    const path = [head!, ...rest.map((part) => part.replace(/\]$/, ''))];
    let node: Form = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) {
        node[part] = value;
        return;
      }
      const next = node[part];
      if (typeof next !== 'object' || next === null) node[part] = {};
      node = node[part] as Form;
    });
  }
  return arrays(root) as Form;
}

// Objects whose keys are exactly 0..n-1 are arrays (`items[0][price]`, `expand[0]`).
function arrays(value: FormValue): FormValue {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const children = Object.fromEntries(keys.map((key) => [key, arrays(value[key]!)]));
  const indexed = keys.length > 0 && keys.every((key, i) => key === String(i));
  return indexed ? keys.map((key) => children[key]!) : children;
}
