// A Go text/template renderer for the subset Argo CD notification templates in
// deploy/argocd/ use: field chains on maps (`.app.status.sync.status`), `if`/`else`/`end`,
// pipelines, parentheses, string literals, and the functions `toJson` (Sprig) and
// `printf` (%s). Go's semantics where they matter: a missing map key is nil (printed
// `<no value>`, toJson `null`), a field of nil is an error, and toJson escapes <, > and &
// as Go's encoding/json does. Anything else throws, so a template this cannot render
// fails its test instead of passing.
type Value = unknown;

interface Node {
  kind: 'text' | 'action' | 'if';
  text?: string;
  pipe?: string;
  then?: Node[];
  otherwise?: Node[];
}

export function renderGoTemplate(template: string, data: Record<string, Value>): string {
  const tokens = template.split(/(\{\{-?\s*[\s\S]*?\s*-?\}\})/);
  let i = 0;
  const parse = (until: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (i < tokens.length) {
      const token = tokens[i++] ?? '';
      if (!token.startsWith('{{')) {
        if (token) nodes.push({ kind: 'text', text: token });
        continue;
      }
      const inner = token.replace(/^\{\{-?\s*/, '').replace(/\s*-?\}\}$/, '');
      if (until.includes(inner)) return { nodes, end: inner };
      const cond = /^if\s+([\s\S]+)$/.exec(inner);
      if (cond) {
        const then = parse(['else', 'end']);
        const otherwise = then.end === 'else' ? parse(['end']).nodes : [];
        nodes.push({ kind: 'if', pipe: cond[1] ?? '', then: then.nodes, otherwise });
        continue;
      }
      if (/^(range|with|define|template|block|else|end)\b/.test(inner))
        throw new Error(`unsupported template action {{${inner}}}`);
      nodes.push({ kind: 'action', pipe: inner });
    }
    if (until.length) throw new Error(`template: missing {{${until.join('}} or {{')}}}`);
    return { nodes, end: '' };
  };
  const render = (nodes: Node[]): string =>
    nodes
      .map((n) => {
        if (n.kind === 'text') return n.text ?? '';
        if (n.kind === 'if')
          return truthy(pipeline(n.pipe ?? '', data))
            ? render(n.then ?? [])
            : render(n.otherwise ?? []);
        return print(pipeline(n.pipe ?? '', data));
      })
      .join('');
  return render(parse([]).nodes);
}

function print(value: Value): string {
  if (value === undefined || value === null) return '<no value>';
  if (typeof value === 'object') throw new Error('printing a map or slice is not supported');
  return String(value);
}

function truthy(value: Value): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '')
    return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Go's encoding/json, as Sprig's toJson uses it: HTML characters escaped. */
function toJson(value: Value): string {
  return (JSON.stringify(value ?? null) ?? 'null')
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

const FUNCTIONS: Record<string, (...args: Value[]) => Value> = {
  toJson: (v) => toJson(v),
  printf: (format, ...args) => {
    if (typeof format !== 'string') throw new Error('printf: the format must be a string');
    let n = 0;
    return format.replace(/%[a-z%]/g, (verb) => {
      if (verb === '%%') return '%';
      if (verb !== '%s') throw new Error(`printf: unsupported verb ${verb}`);
      const arg = args[n++];
      return arg === undefined || arg === null ? '%!s(<nil>)' : String(arg);
    });
  },
};

/** `a | f b` → f(b, a): each stage's result is the last argument of the next. */
function pipeline(text: string, data: Record<string, Value>): Value {
  let result: Value;
  let first = true;
  for (const stage of splitTop(text, '|')) {
    const words = words_(stage.trim());
    const [head, ...rest] = words;
    if (head === undefined) throw new Error(`empty pipeline stage in ${text}`);
    const args = rest.map((w) => operand(w, data));
    if (!first) args.push(result);
    if (/^[A-Za-z]\w*$/.test(head)) {
      const f = FUNCTIONS[head];
      if (!f) throw new Error(`unsupported function ${head}`);
      result = f(...args);
    } else {
      if (args.length) throw new Error(`${head} is not a function`);
      result = operand(head, data);
    }
    first = false;
  }
  return result;
}

function operand(word: string, data: Record<string, Value>): Value {
  if (word.startsWith('(')) return pipeline(word.slice(1, -1), data);
  if (word.startsWith('"')) return JSON.parse(word) as string;
  if (word === '.') return data;
  if (word.startsWith('.')) {
    let value: Value = data;
    for (const key of word.slice(1).split('.')) {
      if (value === undefined || value === null)
        throw new Error(`nil pointer evaluating interface {}.${key} (in ${word})`);
      if (typeof value !== 'object') throw new Error(`can't evaluate field ${key} in ${word}`);
      value = (value as Record<string, Value>)[key];
    }
    return value;
  }
  throw new Error(`unsupported operand ${word}`);
}

/** Splits on `sep` outside parentheses and string literals. */
function splitTop(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === sep && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

function words_(text: string): string[] {
  return splitTop(text.replace(/\s+/g, ' '), ' ').filter(Boolean);
}
