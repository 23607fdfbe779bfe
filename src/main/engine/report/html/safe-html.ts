/**
 * HTML built with escaping by default.
 *
 * Everything interpolated into the `html` template is escaped unless it is already a
 * SafeHtml (the result of another `html` template). Report text is user data: op names,
 * paths and error messages come from the model file and the machine. Because escaping
 * covers quotes too, interpolating into a quoted attribute value is safe; interpolating
 * into unquoted attributes, URLs, scripts or styles is not, and this module offers no
 * way to do it.
 */

export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Tagged template: html`<td>${name}</td>` escapes `name`; nested html`` fragments pass through. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1];
  });
  return new SafeHtml(out);
}

/**
 * JSON for a `<script type="application/json">` element. `<` becomes \u003c so no
 * `</script` or `<!--` can end or confuse the element; U+2028/U+2029 are escaped so the
 * text also stays valid if a consumer evaluates it as JavaScript. JSON.parse of the
 * element's text gives back the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
