// A small reader for the TypeScript declaration files (.d.ts) that tsc emits:
// interfaces, type aliases and the type expressions they use (unions,
// intersections, arrays, tuples, object literals, generics with defaults,
// indexed access, string literals). It is enough for the typings the Slack
// and Twitch catalogue generators read (@slack/types, @slack/bolt,
// @twurple/eventsub-base); it is not a TypeScript parser.
//
// Used by scripts/catalogue/slack.mjs and scripts/catalogue/twitch.mjs.

import fs from 'node:fs';
import path from 'node:path';

/** Every .d.ts file under `dir`, recursively, sorted. */
export function dtsFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...dtsFiles(p));
    else if (e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

function tokenize(src) {
  const toks = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (src.startsWith('//', i)) { i = src.indexOf('\n', i); if (i < 0) break; continue; }
    if (src.startsWith('/*', i)) { i = src.indexOf('*/', i) + 2; continue; }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1, s = '';
      while (src[j] !== c) { if (src[j] === '\\') { s += src[j + 1]; j += 2; } else s += src[j++]; }
      toks.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    const id = /^[A-Za-z_$#][\w$#]*/.exec(src.slice(i, i + 200));
    if (id) { toks.push({ t: 'id', v: id[0] }); i += id[0].length; continue; }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i, i + 50));
    if (num) { toks.push({ t: 'num', v: Number(num[0]) }); i += num[0].length; continue; }
    const p3 = src.slice(i, i + 3);
    if (p3 === '...') { toks.push({ t: 'p', v: p3 }); i += 3; continue; }
    const p2 = src.slice(i, i + 2);
    if (p2 === '=>' || p2 === '?:' || p2 === '?.') { toks.push({ t: 'p', v: p2 }); i += 2; continue; }
    toks.push({ t: 'p', v: c });
    i++;
  }
  return toks;
}

class Parser {
  constructor(toks) { this.toks = toks; this.i = 0; }
  peek(o = 0) { return this.toks[this.i + o]; }
  is(v, o = 0) { const t = this.peek(o); return t && t.v === v && (t.t === 'p' || t.t === 'id'); }
  next() { return this.toks[this.i++]; }
  eat(v) { if (this.is(v)) { this.i++; return true; } return false; }
  expect(v) {
    if (!this.eat(v)) throw new Error(`expected ${v} at token ${this.i}: ${JSON.stringify(this.toks.slice(this.i, this.i + 8))}`);
  }
  skipBalanced() {
    // skips to the end of the current statement (`;` at depth 0, or a closed block)
    let depth = 0;
    while (this.i < this.toks.length) {
      const t = this.next();
      if (t.t !== 'p') continue;
      if ('{([<'.includes(t.v)) depth++;
      else if ('})]>'.includes(t.v)) { depth--; if (depth === 0 && t.v === '}' && !this.is(';')) return; }
      else if (t.v === ';' && depth <= 0) return;
    }
  }

  typeParams() {
    const params = [];
    if (!this.eat('<')) return params;
    while (!this.eat('>')) {
      const name = this.next().v;
      let constraint = null, dflt = null;
      if (this.eat('extends')) constraint = this.type();
      if (this.eat('=')) dflt = this.type();
      params.push({ name, constraint, dflt });
      this.eat(',');
    }
    return params;
  }

  // type := ['|'] inter ('|' inter)*
  type() {
    this.eat('|');
    // conditional types and function types are not needed: treated as unknown
    const first = this.inter();
    const ts = [first];
    while (this.eat('|')) ts.push(this.inter());
    let t = ts.length === 1 ? first : { k: 'union', ts };
    if (this.is('extends')) {
      // `A extends B ? C : D`: not needed, read as unknown
      this.next(); this.type(); this.expect('?'); this.type(); this.expect(':'); this.type();
      t = { k: 'prim', n: 'unknown' };
    }
    return t;
  }
  inter() {
    this.eat('&');
    const ts = [this.postfix()];
    while (this.eat('&')) ts.push(this.postfix());
    return ts.length === 1 ? ts[0] : { k: 'inter', ts };
  }
  postfix() {
    let t = this.primary();
    for (;;) {
      if (this.is('[') && this.is(']', 1)) { this.i += 2; t = { k: 'arr', el: t }; continue; }
      if (this.is('[')) { this.next(); const key = this.type(); this.expect(']'); t = { k: 'idx', obj: t, key }; continue; }
      return t;
    }
  }
  primary() {
    const t = this.next();
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'num') return { k: 'lit', v: t.v };
    if (t.t === 'p') {
      if (t.v === '(') {
        // parenthesised type, or a function type `(a: X) => Y`
        const save = this.i;
        let depth = 1;
        while (depth) { const x = this.next(); if (x.v === '(') depth++; else if (x.v === ')') depth--; }
        if (this.is('=>')) { this.next(); this.type(); return { k: 'prim', n: 'unknown' }; }
        this.i = save;
        const inner = this.type();
        this.expect(')');
        return inner;
      }
      if (t.v === '{') return this.objectBody();
      if (t.v === '[') {
        const ts = [];
        while (!this.eat(']')) { this.eat('...'); ts.push(this.type()); this.eat(','); }
        return { k: 'tuple', ts };
      }
      if (t.v === '-') { const n = this.next(); return { k: 'lit', v: -n.v }; }
      throw new Error(`unexpected ${t.v} at ${this.i}`);
    }
    switch (t.v) {
      case 'string': case 'number': case 'boolean': case 'any': case 'unknown': case 'never':
      case 'object': case 'void': case 'bigint': case 'symbol':
        return { k: 'prim', n: t.v };
      case 'null': return { k: 'lit', v: null };
      case 'undefined': return { k: 'prim', n: 'undefined' };
      case 'true': return { k: 'lit', v: true };
      case 'false': return { k: 'lit', v: false };
      case 'typeof': this.next(); return { k: 'prim', n: 'unknown' };
      case 'keyof': this.type(); return { k: 'prim', n: 'string' };
      case 'readonly': return this.postfix();
      default: {
        let name = t.v;
        while (this.is('.')) { this.next(); name += '.' + this.next().v; }
        const args = [];
        if (this.eat('<')) {
          while (!this.eat('>')) { args.push(this.type()); this.eat(','); }
        }
        return { k: 'ref', name, args };
      }
    }
  }
  // after '{'
  objectBody() {
    const members = [];
    let index = null;
    while (!this.eat('}')) {
      if (this.eat(';') || this.eat(',')) continue;
      this.eat('readonly');
      if (this.is('[')) {
        // index signature `[k: string]: T` or mapped type `[P in K]: T`
        this.next();
        const key = this.next();
        if (this.is('in')) {
          while (!this.eat(']')) this.next();
          this.eat('?'); this.eat('-'); this.eat('?:');
          if (!this.eat(':')) {}
          this.type();
          continue;
        }
        this.expect(':');
        this.type();
        this.expect(']');
        this.expect(':');
        index = this.type();
        void key;
        continue;
      }
      const nameTok = this.next();
      const name = nameTok.v;
      let opt = false;
      if (this.is('?:')) { this.next(); opt = true; }
      else if (this.is('?')) { this.next(); opt = true; this.expect(':'); }
      else if (this.is('(') || this.is('<')) {
        // method signature: skip
        let depth = 0;
        while (true) {
          const x = this.next();
          if ('(<{['.includes(x.v)) depth++;
          else if (')>}]'.includes(x.v)) depth--;
          else if ((x.v === ';') && depth === 0) break;
          if (this.is('}') && depth === 0) break;
        }
        continue;
      } else this.expect(':');
      const type = this.type();
      members.push({ name, opt, type });
    }
    return { k: 'obj', members, index };
  }
}

/**
 * Reads declaration files into one registry: name -> declaration
 * ({kind: 'interface', params, ext, body} or {kind: 'alias', params, type}),
 * each tagged with its file. Later files do not overwrite earlier names
 * unless `override` is set; `locals` maps file -> names declared there.
 */
export function readDeclarations(files, registry = { decls: new Map(), byFile: new Map() }) {
  for (const file of files) {
    const src = fs.readFileSync(file, 'utf8');
    const p = new Parser(tokenize(src));
    const local = new Map();
    while (p.i < p.toks.length) {
      p.eat('export'); p.eat('declare');
      if (p.is('interface')) {
        p.next();
        const name = p.next().v;
        const params = p.typeParams();
        const ext = [];
        if (p.eat('extends')) {
          do { ext.push(p.postfix()); } while (p.eat(','));
        }
        p.expect('{');
        const body = p.objectBody();
        local.set(name, { kind: 'interface', name, params, ext, body, file });
      } else if (p.is('type') && p.peek(1)?.t === 'id' && (p.is('=', 2) || p.is('<', 2))) {
        p.next();
        const name = p.next().v;
        const params = p.typeParams();
        p.expect('=');
        let type;
        try { type = p.type(); } catch (e) { type = { k: 'prim', n: 'unknown' }; p.skipBalanced(); }
        p.eat(';');
        local.set(name, { kind: 'alias', name, params, type, file });
      } else {
        p.skipBalanced();
      }
    }
    registry.byFile.set(file, local);
    for (const [n, d] of local) if (!registry.decls.has(n)) registry.decls.set(n, d);
  }
  return registry;
}

/** The declaration of `name` as seen from `file` (its own file first). */
export function lookup(reg, name, file) {
  const local = file && reg.byFile.get(file);
  return (local && local.get(name)) || reg.decls.get(name) || null;
}

/**
 * Resolves one level of a type to a structural node: a ref is expanded (its
 * generic arguments bound), an interface becomes an object with its inherited
 * members, an intersection of objects is merged, a union is flattened,
 * `Extract<U, L>` keeps the members of U matching L, `Record<K, V>` is an
 * object with an index signature. Child types (members, array elements) stay
 * lazy: `{k: 'bound', t, env, file}`, resolved again when walked, so
 * recursive types (a message that holds messages) cost nothing until used.
 * Nodes that came from a declaration keep its name in `from`.
 */
export function resolve(reg, t, env = new Map(), file = null, depth = 0) {
  if (depth > 40) return { k: 'prim', n: 'unknown' };
  const r = (x, e = env, f = file) => resolve(reg, x, e, f, depth + 1);
  const bind = (x) => ({ k: 'bound', t: x, env, file });
  switch (t.k) {
    case 'bound':
      return resolve(reg, t.t, t.env, t.file, depth + 1);
    case 'ref': {
      if (env.has(t.name)) return r(env.get(t.name));
      if (t.name === 'Array' || t.name === 'ReadonlyArray') return { k: 'arr', el: bind(t.args[0]) };
      if (t.name === 'Record') return { k: 'obj', members: [], index: bind(t.args[1]) };
      if (t.name === 'Partial' || t.name === 'Readonly' || t.name === 'NonNullable') return r(t.args[0]);
      if (t.name === 'Extract' || t.name === 'Exclude') {
        const base = r(t.args[0]);
        const u = base.k === 'union' ? base.ts : [base];
        const w = r(t.args[1]);
        const want = w.k === 'union' ? w.ts : [w];
        const hit = (x) => want.some((y) => y.k === 'lit' && x.k === 'lit' && y.v === x.v);
        const keep = u.filter((x) => (t.name === 'Extract' ? hit(x) : !hit(x)));
        const ts = keep.length || t.name === 'Exclude' ? keep : want;
        return ts.length === 1 ? ts[0] : { k: 'union', ts };
      }
      if (t.name === 'Omit') {
        const o = r(t.args[0]);
        const d = r(t.args[1]);
        const drop = new Set((d.k === 'union' ? d.ts : [d]).map((x) => x.v));
        return o.k === 'obj' ? { ...o, members: o.members.filter((m) => !drop.has(m.name)) } : o;
      }
      const d = lookup(reg, t.name, file);
      if (!d) return { k: 'prim', n: 'unknown', name: t.name };
      const e2 = new Map();
      d.params.forEach((p, i) => {
        e2.set(p.name, t.args[i] ? bind(t.args[i]) : p.dflt ? { k: 'bound', t: p.dflt, env: e2, file: d.file } : { k: 'prim', n: 'unknown' });
      });
      if (d.kind === 'alias') {
        const out = resolve(reg, d.type, e2, d.file, depth + 1);
        return out.k === 'obj' || out.k === 'union' ? { ...out, from: out.from || d.name } : out;
      }
      const parts = d.ext.map((x) => resolve(reg, x, e2, d.file, depth + 1));
      const own = resolve(reg, d.body, e2, d.file, depth + 1);
      return { ...mergeObjects([...parts, own]), from: d.name };
    }
    case 'obj':
      return {
        k: 'obj',
        members: t.members.map((m) => ({ ...m, type: bind(m.type) })),
        index: t.index ? bind(t.index) : null,
      };
    case 'arr': return { k: 'arr', el: bind(t.el) };
    case 'tuple': return { k: 'tuple', ts: t.ts.map(bind) };
    case 'union': {
      const ts = [];
      for (const x of t.ts.map((y) => r(y))) {
        if (x.k === 'union') ts.push(...x.ts); else ts.push(x);
      }
      return ts.length === 1 ? ts[0] : { k: 'union', ts };
    }
    case 'inter': {
      const ts = t.ts.map((x) => r(x));
      const u = ts.findIndex((x) => x.k === 'union');
      if (u >= 0) {
        // (A | B) & C -> A&C | B&C
        return {
          k: 'union',
          ts: ts[u].ts.map((alt) => {
            const parts = ts.map((x, i) => (i === u ? alt : x));
            return parts.every((x) => x.k === 'obj') ? { ...mergeObjects(parts), from: alt.from } : alt;
          }),
        };
      }
      if (ts.every((x) => x.k === 'obj')) return { ...mergeObjects(ts), from: ts[0].from };
      return ts.find((x) => x.k === 'obj') || ts[0];
    }
    case 'idx': {
      const o = r(t.obj);
      const key = r(t.key);
      if (o.k === 'obj' && key.k === 'lit') {
        const m = o.members.find((x) => x.name === key.v);
        return m ? r(m.type) : { k: 'prim', n: 'unknown' };
      }
      return { k: 'prim', n: 'unknown' };
    }
    default:
      return t;
  }
}

/** Members of later objects replace earlier ones of the same name. */
export function mergeObjects(objs) {
  const members = [];
  let index = null;
  for (const o of objs) {
    if (!o || o.k !== 'obj') continue;
    for (const m of o.members) {
      const at = members.findIndex((x) => x.name === m.name);
      if (at >= 0) members[at] = m; else members.push(m);
    }
    if (o.index) index = o.index;
  }
  return { k: 'obj', members, index };
}

/** The literal values of a (resolved) type, if it is made of them. */
export function literals(t) {
  if (t.k === 'lit') return [t.v];
  if (t.k === 'union') return t.ts.flatMap(literals);
  return [];
}

/** Drops `null` / `undefined` alternatives; tells whether there were any. */
export function nonNull(t) {
  if (t.k !== 'union') return { t, nullable: t.k === 'lit' && t.v === null };
  const ts = t.ts.filter((x) => !(x.k === 'lit' && x.v === null) && !(x.k === 'prim' && x.n === 'undefined'));
  const nullable = ts.length !== t.ts.length;
  if (ts.length === 0) return { t: { k: 'lit', v: null }, nullable: true };
  return { t: ts.length === 1 ? ts[0] : { k: 'union', ts }, nullable };
}
