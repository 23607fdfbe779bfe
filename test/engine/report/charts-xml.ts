/**
 * A small XML well-formedness check for the exported SVG files (no XML parser is a dependency):
 * one root element, every tag closed in order, attributes quoted and not repeated, only the five
 * predefined entities or numeric references, no stray '<' or '&' in text. Returns the problems
 * found (empty when the document is well-formed) and the root's name and attributes.
 */
export interface XmlCheck {
  problems: string[];
  root: string | null;
  rootAttributes: Record<string, string>;
  /** Elements by name, for simple assertions on content. */
  counts: Record<string, number>;
}

const NAME = '[A-Za-z_][\\w.:-]*';
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

export function checkXml(doc: string): XmlCheck {
  const problems: string[] = [];
  const counts: Record<string, number> = {};
  let root: string | null = null;
  let rootAttributes: Record<string, string> = {};
  const stack: string[] = [];
  let i = 0;
  const checkText = (text: string, where: string) => {
    if (text.replace(ENTITY, '').includes('&')) problems.push(`bare '&' in ${where}`);
    if (text.includes('<')) problems.push(`'<' in ${where}`);
  };
  const body = doc.replace(/^\uFEFF?<\?xml[^?]*\?>/, '');
  while (i < body.length) {
    const lt = body.indexOf('<', i);
    const textPart = lt === -1 ? body.slice(i) : body.slice(i, lt);
    if (stack.length === 0 && textPart.trim() !== '') problems.push(`text outside the root: ${textPart.trim().slice(0, 30)}`);
    checkText(textPart.replace(/>/g, ''), 'text');
    if (lt === -1) break;
    if (body.startsWith('<!--', lt)) {
      const end = body.indexOf('-->', lt);
      if (end === -1) problems.push('unclosed comment');
      i = end === -1 ? body.length : end + 3;
      continue;
    }
    const gt = body.indexOf('>', lt);
    if (gt === -1) {
      problems.push('unclosed tag at the end');
      break;
    }
    const tag = body.slice(lt + 1, gt);
    i = gt + 1;
    const close = new RegExp(`^/(${NAME})\\s*$`).exec(tag);
    if (close) {
      const open = stack.pop();
      if (open !== close[1]) problems.push(`</${close[1]}> closes <${open ?? 'nothing'}>`);
      continue;
    }
    const m = new RegExp(`^(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)$`).exec(tag);
    if (!m) {
      problems.push(`malformed tag <${tag.slice(0, 40)}>`);
      continue;
    }
    const [, name, attrText, selfClosing] = m;
    const attributes: Record<string, string> = {};
    for (const a of attrText.matchAll(new RegExp(`(${NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'g'))) {
      if (a[1] in attributes) problems.push(`<${name}> repeats ${a[1]}`);
      attributes[a[1]] = a[2] ?? a[3];
      checkText(attributes[a[1]], `${name}@${a[1]}`);
    }
    counts[name] = (counts[name] ?? 0) + 1;
    if (stack.length === 0) {
      if (root !== null) problems.push(`second root element <${name}>`);
      root = name;
      rootAttributes = attributes;
    }
    if (!selfClosing) stack.push(name);
  }
  if (stack.length > 0) problems.push(`unclosed <${stack.join('>, <')}>`);
  if (root === null) problems.push('no root element');
  return { problems, root, rootAttributes, counts };
}
