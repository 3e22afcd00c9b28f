import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { App } from 'cdktf';

/** A synthesized Terraform JSON document. */
export type TfJson = Record<string, any>;

/** A Kubernetes object as applied by a kubernetes_manifest resource. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

/** A fresh output directory of its own, for a test that calls app.synth() itself (parallel workers never share one). */
export function scratchOutdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mlops-scratch-'));
}

/** What a real `app.synth()` wrote, read back from disk. */
export interface Synthesized {
  readonly outdir: string;
  /** Terraform JSON per stack name. */
  readonly stacks: Record<string, TfJson>;
  /** Kubernetes objects per workloads stack (from its kubernetes_manifest resources). */
  readonly objects: Record<string, K8sObject[]>;
  /** YAML files written under manifests/, relative to outdir. */
  readonly yamlFiles: string[];
}

/** Runs `build` on a fresh app, synthesizes it into a temporary directory and reads everything back. */
export function synthesize(build: (app: App) => void): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mlops-test-'));
  const app = new App({ outdir, stackTraces: false });
  build(app);
  app.synth();
  return readOutdir(outdir);
}

/** Reads a synthesized cdktf.out directory. */
export function readOutdir(outdir: string): Synthesized {
  const stacks: Record<string, TfJson> = {};
  const objects: Record<string, K8sObject[]> = {};
  for (const name of fs.readdirSync(path.join(outdir, 'stacks'))) {
    const json = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));
    stacks[name] = json;
    const manifests = json.resource?.kubernetes_manifest;
    // As Kubernetes receives them: Terraform turns the escapes $${ and %%{ back into ${ and %{.
    if (manifests) objects[name] = Object.values(manifests).map((m: any) => unescapeTemplates(m.manifest) as K8sObject);
  }
  const yamlFiles: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else yamlFiles.push(path.relative(outdir, p));
    }
  };
  walk(path.join(outdir, 'manifests'));
  return { outdir, stacks, objects, yamlFiles: yamlFiles.sort() };
}

/** The resources of `type` in a stack, by logical name (empty when none). */
export function resources(stack: TfJson, type: string): Record<string, any> {
  return stack.resource?.[type] ?? {};
}

/** The one resource of `type` whose logical name matches; fails when there are none or several. */
export function resource(stack: TfJson, type: string, name: string | RegExp): any {
  const all = resources(stack, type);
  const keys = Object.keys(all).filter((k) => (typeof name === 'string' ? k === name : name.test(k)));
  if (keys.length !== 1) throw new Error(`expected one ${type} matching ${name}, found ${keys.length}: ${Object.keys(all).join(', ')}`);
  return all[keys[0]];
}

/** All Kubernetes objects of every workloads stack. */
export function allObjects(s: Synthesized): K8sObject[] {
  return Object.values(s.objects).flat();
}

/** Finds one Kubernetes object by kind and name (and namespace). */
export function object(s: Synthesized, kind: string, name: string, namespace?: string): K8sObject {
  const found = allObjects(s).filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${namespace ?? '*'}/${name}, found ${found.length}`);
  return found[0];
}

/** An IAM Action/Resource value as a list (IAM allows a string or a list). */
export const arr = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

/** Parses an IAM policy JSON string (as synthesized, with ${...} references inside). */
export function policy(json: string): { Version: string; Statement: any[] } {
  return JSON.parse(json);
}

const REF = /(?<![\w.\-])(data\.[a-z0-9_]+\.[A-Za-z0-9_-]+(?:\.outputs\.[A-Za-z0-9_-]+)?|var\.[A-Za-z0-9_-]+|local\.[A-Za-z0-9_-]+|module\.[A-Za-z0-9_-]+|[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z0-9_-]+)/g;
const IGNORED_PREFIXES = ['terraform.', 'each.', 'count.', 'self.', 'path.'];

/**
 * Every reference in every stack, to what it names: resources, data sources, variables, locals,
 * modules, depends_on entries, and cross-stack remote-state outputs (which must exist in some
 * other stack's outputs). Returns the dangling ones as `stack: reference (at json.path)`, and every
 * unescaped `${`/`%{` that is not an expression cdktf renders (literal text Terraform would read).
 */
export function danglingReferences(s: Synthesized): string[] {
  const problems: string[] = [];
  const allOutputs = new Set(Object.values(s.stacks).flatMap((st) => Object.keys(st.output ?? {})));
  for (const [name, stack] of Object.entries(s.stacks)) {
    const check = (ref: string, where: string) => {
      if (IGNORED_PREFIXES.some((p) => ref.startsWith(p))) return;
      const parts = ref.split('.');
      let ok: boolean;
      if (parts[0] === 'data') {
        ok = stack.data?.[parts[1]]?.[parts[2]] !== undefined;
        if (ok && parts[1] === 'terraform_remote_state' && parts[3] === 'outputs') ok = allOutputs.has(parts[4]);
      } else if (parts[0] === 'var') ok = stack.variable?.[parts[1]] !== undefined;
      else if (parts[0] === 'local') ok = stack.locals?.[parts[1]] !== undefined;
      else if (parts[0] === 'module') ok = stack.module?.[parts[1]] !== undefined;
      else ok = stack.resource?.[parts[0]]?.[parts[1]] !== undefined;
      if (!ok) problems.push(`${name}: ${ref} (at ${where})`);
    };
    const visit = (v: any, where: string, key?: string) => {
      if (typeof v === 'string') {
        if (key === 'depends_on') {
          check(v, where);
          return;
        }
        for (const e of expressions(v)) for (const m of stripStringLiterals(e).matchAll(REF)) check(m[1], where);
        if (v.includes('TfToken[')) problems.push(`${name}: unresolved token in ${where}`);
        for (const t of literalTemplates(v)) problems.push(`${name}: "${t}" is not an expression Terraform can evaluate; escape it ($\${, %%{) (at ${where})`);
      } else if (Array.isArray(v)) {
        v.forEach((x, i) => visit(x, `${where}[${i}]`, key));
      } else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) if (k !== '//') visit(x, `${where}.${k}`, k);
      }
    };
    for (const section of ['resource', 'data', 'output', 'provider', 'locals', 'module']) visit(stack[section], section);
  }
  return problems;
}

/** Terraform's reading of literal text: `$${` is `${`, `%%{` is `%{`. */
export function unescapeTemplates(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
  if (Array.isArray(v)) return v.map(unescapeTemplates);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [unescapeTemplates(k) as string, unescapeTemplates(x)]));
  return v;
}

// How the expressions cdktf renders begin: a reference (resource type with an underscore, data.,
// var., local., module. and Terraform's own names), a function call, a string literal, a tuple or
// object (for-expressions), parentheses, or an operator (! and -).
const EXPRESSION_HEAD = /^\s*(?:(?:data|var|local|module|terraform|each|count|self|path)\.|[a-z][a-z0-9]*_[a-z0-9_]+\.|[a-z][a-z0-9_]*\(|["[{(!-])/;

/**
 * The `${...}` a string holds that are not expressions cdktf renders (`${HOME}`, `${1}`, `${f.name}`)
 * and its `%{` directives: Terraform would interpolate them, or fail the plan. `$${` and `%%{` are
 * escapes (HCL reads `$${` as a literal `${`, so `$$${` is a `$` and a literal `${`).
 */
function literalTemplates(v: string): string[] {
  const out: string[] = [];
  for (const m of v.matchAll(/(\$+)\{|(%+)\{/g)) {
    const run = m[1] ?? m[2];
    if (run.length > 1) continue; // $${ and %%{ are escapes (a longer run ends in one)
    if (m[2] !== undefined) out.push(v.slice(m.index!, m.index! + 20));
    else if (!EXPRESSION_HEAD.test(v.slice(m.index! + run.length + 1))) out.push(v.slice(m.index! + run.length - 1, m.index! + run.length + 20));
  }
  return out;
}

/** The `${...}` interpolations of a string (escaped `$${` skipped), with nested braces balanced. */
function expressions(v: string): string[] {
  const out: string[] = [];
  const next = (from: number) => {
    for (let k = v.indexOf('${', from); k >= 0; k = v.indexOf('${', k + 2)) {
      if (k === 0 || v[k - 1] !== '$') return k; // $${ is an escape
    }
    return -1;
  };
  let i = next(0);
  while (i >= 0) {
    let depth = 0;
    let j = i + 1;
    for (; j < v.length; j++) {
      if (v[j] === '{') depth++;
      else if (v[j] === '}' && --depth === 0) break;
    }
    out.push(v.slice(i + 2, j));
    i = next(j);
  }
  return out;
}

/** Blanks out "..." literals inside an expression, so their text is not taken for references. */
function stripStringLiterals(e: string): string {
  return e.replace(/"(?:[^"\\]|\\.)*"/g, '""');
}

/**
 * Validates Kubernetes objects against the upstream OpenAPI schemas (kubernetes-models and its
 * CRD packages). Returns one line per failing object; an object without a known schema fails too.
 */
export function schemaViolations(objects: K8sObject[]): string[] {
  if (objects.length === 0) return [];
  const out = execFileSync(process.execPath, [path.join(__dirname, 'validate-k8s.mjs')], {
    input: JSON.stringify(objects),
    maxBuffer: 64 * 1024 * 1024,
  });
  return (JSON.parse(out.toString()) as Array<{ object: string; error: string }>).map((f) => `${f.object}: ${f.error}`);
}

/** Every string in the output directory's Terraform JSON and YAML, for secret scans. */
export function allText(s: Synthesized): string {
  return [
    ...Object.values(s.stacks).map((st) => JSON.stringify(st)),
    ...s.yamlFiles.map((f) => fs.readFileSync(path.join(s.outdir, f), 'utf8')),
  ].join('\n');
}
