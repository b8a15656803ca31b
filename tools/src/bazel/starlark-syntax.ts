/**
 * A reader for the regular subset of Starlark that BUILD.bazel and MODULE.bazel
 * files here are kept to: load() statements, top-level calls with literal
 * arguments, and assignments of literals. Anything else (comprehensions,
 * conditionals, def) is rejected with the line it is on, because the
 * consistency check can only vouch for what it can read; .bzl files are not
 * parsed whole, only their top-level constants (see `readStarlarkConstant`).
 */

/** A value as written: literals, lists, dicts, calls such as glob(...), names, and `a + b`. */
export type StarlarkValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'list'; readonly items: readonly StarlarkValue[] }
  | { readonly kind: 'dict'; readonly entries: ReadonlyArray<readonly [StarlarkValue, StarlarkValue]> }
  | { readonly kind: 'concat'; readonly left: StarlarkValue; readonly right: StarlarkValue }
  | StarlarkCall;

/** A call such as `ts_project(name = "x", ...)`; `callee` may be dotted (`native.glob`). */
export interface StarlarkCall {
  readonly kind: 'call';
  readonly callee: string;
  readonly args: readonly StarlarkValue[];
  readonly kwargs: ReadonlyMap<string, StarlarkValue>;
  /** 1-based line of the callee. */
  readonly line: number;
}

/** The statements of a BUILD or MODULE file. */
export interface StarlarkFile {
  readonly path: string;
  /** load() statements: the .bzl label and the local names it binds to exported names. */
  readonly loads: ReadonlyArray<{ readonly label: string; readonly symbols: ReadonlyMap<string, string> }>;
  /** Top-level `NAME = value` assignments. */
  readonly assignments: ReadonlyMap<string, StarlarkValue>;
  /** Top-level calls other than load(), in file order. */
  readonly calls: readonly StarlarkCall[];
}

type Token =
  | { readonly t: 'string'; readonly value: string; readonly line: number }
  | { readonly t: 'number'; readonly value: number; readonly line: number }
  | { readonly t: 'ident'; readonly value: string; readonly line: number }
  | { readonly t: 'punct'; readonly value: string; readonly line: number }
  | { readonly t: 'newline'; readonly line: number }
  | { readonly t: 'eof'; readonly line: number };

const PUNCT = ['(', ')', '[', ']', '{', '}', ',', '=', ':', '+', '.'];
const KEYWORDS = new Set(['def', 'if', 'for', 'while', 'return', 'lambda', 'else', 'elif', 'in', 'not', 'and', 'or']);

/** Splits Starlark text into tokens; newlines inside brackets are dropped, as Python does. */
function tokenize(text: string, path: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let depth = 0;
  const fail = (why: string): never => {
    throw new Error(`${path}:${line}: ${why}`);
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') {
      if (depth === 0) tokens.push({ t: 'newline', line });
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      line++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      const startLine = line;
      const triple = text.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      i += quote.length;
      let value = '';
      for (;;) {
        if (i >= text.length) fail('unterminated string');
        if (text.startsWith(quote, i)) {
          i += quote.length;
          break;
        }
        const ch = text[i] as string;
        if (ch === '\n') {
          if (!triple) fail('newline in a string');
          line++;
        }
        if (ch === '\\') {
          const next = text[i + 1] ?? '';
          const escapes: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'", '\n': '' };
          if (!(next in escapes)) fail(`unsupported escape \\${next} in a string`);
          if (next === '\n') line++;
          value += escapes[next];
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      tokens.push({ t: 'string', value, line: startLine });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ t: 'number', value: Number(m[0]), line });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i)) as RegExpExecArray;
      if (KEYWORDS.has(m[0])) fail(`'${m[0]}' is outside the regular subset BUILD files here are kept to (literals, calls, load, assignments)`);
      tokens.push({ t: 'ident', value: m[0], line });
      i += m[0].length;
    } else if (PUNCT.includes(c)) {
      if ('([{'.includes(c)) depth++;
      if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
      tokens.push({ t: 'punct', value: c, line });
      i++;
    } else {
      fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ t: 'newline', line }, { t: 'eof', line });
  return tokens;
}

/** Recursive-descent parser over the tokens of one file. */
class Parser {
  readonly #tokens: Token[];
  readonly #path: string;
  #pos = 0;

  constructor(tokens: Token[], path: string) {
    this.#tokens = tokens;
    this.#path = path;
  }

  peek(): Token {
    return this.#tokens[this.#pos] as Token;
  }

  next(): Token {
    return this.#tokens[this.#pos++] as Token;
  }

  fail(why: string, token: Token = this.peek()): never {
    throw new Error(`${this.#path}:${token.line}: ${why}`);
  }

  isPunct(value: string): boolean {
    const t = this.peek();
    return t.t === 'punct' && t.value === value;
  }

  expectPunct(value: string): void {
    if (!this.isPunct(value)) this.fail(`expected '${value}'`);
    this.next();
  }

  skipNewlines(): void {
    while (this.peek().t === 'newline') this.next();
  }

  expression(): StarlarkValue {
    let left = this.primary();
    while (this.isPunct('+')) {
      this.next();
      left = { kind: 'concat', left, right: this.primary() };
    }
    return left;
  }

  primary(): StarlarkValue {
    const t = this.next();
    if (t.t === 'string') {
      let value = t.value;
      // Adjacent string literals concatenate.
      while (this.peek().t === 'string') value += (this.next() as { value: string }).value;
      return { kind: 'string', value };
    }
    if (t.t === 'number') return { kind: 'number', value: t.value };
    if (t.t === 'punct' && t.value === '[') return { kind: 'list', items: this.sequence(']') };
    if (t.t === 'punct' && t.value === '{') return this.dict();
    if (t.t === 'ident') {
      let name = t.value;
      while (this.isPunct('.')) {
        this.next();
        const part = this.next();
        if (part.t !== 'ident') this.fail('expected a name after "."', part);
        name += `.${part.value}`;
      }
      if (this.isPunct('(')) return this.call(name, t.line);
      return { kind: 'name', name };
    }
    return this.fail(`unexpected ${t.t === 'punct' ? `'${t.value}'` : t.t}`, t);
  }

  sequence(close: string): StarlarkValue[] {
    const items: StarlarkValue[] = [];
    while (!this.isPunct(close)) {
      items.push(this.expression());
      if (this.peek().t === 'ident' && (this.peek() as { value: string }).value === 'for') this.fail('comprehensions are outside the regular subset');
      if (!this.isPunct(close)) this.expectPunct(',');
    }
    this.next();
    return items;
  }

  dict(): StarlarkValue {
    const entries: Array<[StarlarkValue, StarlarkValue]> = [];
    while (!this.isPunct('}')) {
      const key = this.expression();
      this.expectPunct(':');
      entries.push([key, this.expression()]);
      if (!this.isPunct('}')) this.expectPunct(',');
    }
    this.next();
    return { kind: 'dict', entries };
  }

  call(callee: string, line: number): StarlarkCall {
    this.expectPunct('(');
    const args: StarlarkValue[] = [];
    const kwargs = new Map<string, StarlarkValue>();
    while (!this.isPunct(')')) {
      const t = this.peek();
      const after = this.#tokens[this.#pos + 1];
      if (t.t === 'ident' && after?.t === 'punct' && after.value === '=') {
        this.next();
        this.next();
        if (kwargs.has(t.value)) this.fail(`argument ${t.value} is given twice`, t);
        kwargs.set(t.value, this.expression());
      } else {
        if (kwargs.size > 0) this.fail('positional argument after a keyword argument');
        args.push(this.expression());
      }
      if (!this.isPunct(')')) this.expectPunct(',');
    }
    this.next();
    return { kind: 'call', callee, args, kwargs, line };
  }
}

/** Parses a BUILD.bazel or MODULE.bazel file of the regular subset; throws naming file and line otherwise. */
export function parseStarlarkFile(text: string, path: string): StarlarkFile {
  const p = new Parser(tokenize(text, path), path);
  const loads: Array<{ label: string; symbols: Map<string, string> }> = [];
  const assignments = new Map<string, StarlarkValue>();
  const calls: StarlarkCall[] = [];
  for (p.skipNewlines(); p.peek().t !== 'eof'; p.skipNewlines()) {
    const t = p.peek();
    if (t.t === 'ident') {
      p.next();
      let name = t.value;
      while (p.isPunct('.')) {
        p.next();
        const part = p.next();
        name += `.${part.t === 'ident' ? part.value : p.fail('expected a name after "."', part)}`;
      }
      if (p.isPunct('=') && !name.includes('.')) {
        p.next();
        assignments.set(name, p.expression());
      } else if (p.isPunct('(')) {
        const call = p.call(name, t.line);
        if (call.callee === 'load') loads.push(loadOf(call, path));
        else calls.push(call);
      } else {
        p.fail(`expected a call or an assignment after ${name}`);
      }
    } else if (t.t === 'string') {
      p.expression(); // A docstring.
    } else {
      p.fail('expected a call, an assignment or a load()');
    }
    if (p.peek().t !== 'newline') p.fail('expected the end of the statement');
  }
  return { path, loads, assignments, calls };
}

function loadOf(call: StarlarkCall, path: string): { label: string; symbols: Map<string, string> } {
  const [label, ...names] = call.args;
  if (label?.kind !== 'string') throw new Error(`${path}:${call.line}: load() needs a label string first`);
  const symbols = new Map<string, string>();
  for (const n of names) {
    if (n.kind !== 'string') throw new Error(`${path}:${call.line}: load() symbols must be strings`);
    symbols.set(n.value, n.value);
  }
  for (const [local, v] of call.kwargs) {
    if (v.kind !== 'string') throw new Error(`${path}:${call.line}: load() aliases must be strings`);
    symbols.set(local, v.value);
  }
  return { label: label.value, symbols };
}

/**
 * Reads one top-level constant (`NAME = <literal>` at the start of a line) of
 * a .bzl file, which as a whole may use any Starlark. Throws when the file has
 * no such assignment.
 */
export function readStarlarkConstant(text: string, name: string, path: string): StarlarkValue {
  const m = new RegExp(`^${name}\\s*=`, 'm').exec(text);
  if (m === null) throw new Error(`${path}: no top-level ${name} = ... assignment`);
  const line = text.slice(0, m.index).split('\n').length;
  // The statement ends before the next line that starts a new one at column 0
  // (a closing bracket at column 0 still belongs to it).
  const rest = text.slice(m.index + m[0].length).split('\n');
  let end = 1;
  while (end < rest.length && /^([ \t]|[\]})]|$)/.test(rest[end] as string)) end++;
  const p = new Parser(tokenize(`${'\n'.repeat(line - 1)}${rest.slice(0, end).join('\n')}`, path), path);
  p.skipNewlines();
  return p.expression();
}

/** The strings of a literal list; throws naming `what` when the value is anything else. */
export function stringList(value: StarlarkValue | undefined, what: string): string[] {
  if (value === undefined) return [];
  if (value.kind === 'concat') return [...stringList(value.left, what), ...stringList(value.right, what)];
  if (value.kind !== 'list') throw new Error(`${what} must be a literal list of strings`);
  return value.items.map((item) => {
    if (item.kind !== 'string') throw new Error(`${what} must be a literal list of strings`);
    return item.value;
  });
}

/** A literal string, or undefined when absent; throws naming `what` otherwise. */
export function stringValue(value: StarlarkValue | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.kind !== 'string') throw new Error(`${what} must be a string literal`);
  return value.value;
}

/** A literal dict of strings to strings; throws naming `what` otherwise. */
export function stringDict(value: StarlarkValue | undefined, what: string): Map<string, string> {
  const out = new Map<string, string>();
  if (value === undefined) return out;
  if (value.kind !== 'dict') throw new Error(`${what} must be a literal dict of strings`);
  for (const [k, v] of value.entries) {
    if (k.kind !== 'string' || v.kind !== 'string') throw new Error(`${what} must be a literal dict of strings`);
    out.set(k.value, v.value);
  }
  return out;
}
