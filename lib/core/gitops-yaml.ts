import * as fs from 'fs';
import * as path from 'path';
import { TerraformStack } from 'cdktf';
import { dump, load, loadAll } from 'js-yaml';
import type { SynthesizedObject } from './workloads-stack';

/**
 * The file that lists every value the GitOps YAML of `manifestDir` took from another stack:
 * `<manifestDir>.platform-values.yaml`, next to the directory, so that `kubectl apply -f <manifestDir>`
 * (or a GitOps tool reading the directory) sees Kubernetes objects only.
 */
export function platformValuesFile(manifestDir: string): string {
  return path.join(path.dirname(manifestDir), `${path.basename(manifestDir)}.platform-values.yaml`);
}

/** A value of another stack that the YAML holds. */
export interface PlatformValue {
  /** The Terraform expression in its stack, e.g. `aws_s3_bucket.data_lake_raw_bucket_bucket.bucket`. */
  readonly expression: string;
  /** The stack it comes from. */
  readonly stack: string;
  /** The output of that stack holding it (`terraform output -raw <output>`). */
  readonly output: string;
  /** Resolved at synth (a name the configuration sets): the literal now in the YAML. */
  readonly value?: string;
  /** Known at deploy time only: the placeholder now in the YAML, `((<stack>:<output>))`. */
  readonly placeholder?: string;
  /** The objects holding it, `<file>: <apiVersion> <kind> <namespace>/<name>`. */
  readonly usedBy: string[];
}

/** What Terraform reads in a cross-stack reference of the workloads stack. */
const REMOTE_STATE_REF = /\$\{data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\}/g;
/** An output whose value is one attribute of one resource. */
const RESOURCE_ATTRIBUTE = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/;

/**
 * The objects as a GitOps tool can apply them, and the list of what was replaced: the workloads
 * stack reaches the platform stack's values through Terraform remote state
 * (`${data.terraform_remote_state.<x>.outputs.<output>}`), which only Terraform can read. Each such
 * reference becomes
 * - the literal value, when the output is an attribute the configuration sets to a literal (names:
 *   a bucket's `bucket`, a database's `name`), so it is known at synth;
 * - else the placeholder `((<stack>:<output>))` (deploy-time: an endpoint, a generated ARN, a URL
 *   holding the account id), filled from `terraform output -raw <output>` of that stack.
 * Every replaced value is listed in {@link platformValuesFile}(`dir`).
 */
export function gitopsObjects(stack: TerraformStack, objects: SynthesizedObject[], fileOf: (o: SynthesizedObject) => string, dir: string): SynthesizedObject[] {
  const sources = remoteStateSources(stack);
  const values = new Map<string, PlatformValue & { usedBy: string[] }>();
  const replace = (text: string, where: string): string => text.replace(REMOTE_STATE_REF, (whole, dataName: string, output: string) => {
    const source = sources.get(dataName);
    if (!source) return whole;
    const key = `${source.node.id}:${output}`;
    let v = values.get(key);
    if (!v) {
      const tf = source.toTerraform();
      const expression = String(tf.output?.[output]?.value ?? '');
      const literal = literalAttribute(tf, expression);
      v = {
        expression: expression.replace(/^\$\{|\}$/g, ''),
        stack: source.node.id,
        output,
        ...(literal !== undefined ? { value: literal } : { placeholder: `((${key}))` }),
        usedBy: [],
      };
      values.set(key, v);
    }
    if (!v.usedBy.includes(where)) v.usedBy.push(where);
    return v.value ?? v.placeholder!;
  });
  const out = objects.map((o) => {
    const where = `${fileOf(o)}: ${o.apiVersion} ${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
    return mapStrings(o, (s) => (s.includes('${data.terraform_remote_state.') ? replace(s, where) : s));
  });
  writeValuesFile(dir, [...values.values()]);
  return out;
}

/** The stacks whose remote state `stack` reads, by the name of the remote state data source. */
function remoteStateSources(stack: TerraformStack): Map<string, TerraformStack> {
  const byPath = new Map<string, TerraformStack>();
  for (const c of stack.node.root.node.findAll()) if (TerraformStack.isStack(c)) byPath.set(c.node.path, c);
  const dataSources = (stack as unknown as { crossStackDataSources?: Record<string, { friendlyUniqueId: string }> }).crossStackDataSources ?? {};
  const out = new Map<string, TerraformStack>();
  for (const [originPath, ds] of Object.entries(dataSources)) {
    const source = byPath.get(originPath);
    if (source) out.set(ds.friendlyUniqueId, source);
  }
  return out;
}

/** The literal a resource attribute is set to in the configuration, when the expression is one. */
function literalAttribute(tf: { resource?: Record<string, Record<string, Record<string, unknown>>> }, expression: string): string | undefined {
  const m = RESOURCE_ATTRIBUTE.exec(expression);
  if (!m) return undefined;
  const value = tf.resource?.[m[1]]?.[m[2]]?.[m[3]];
  return typeof value === 'string' && !value.includes('${') ? value : undefined;
}

/** `value` with `f` applied to every string (keys stay), sharing unchanged subtrees. */
function mapStrings<T>(value: T, f: (s: string) => string): T {
  if (typeof value === 'string') return f(value) as T;
  if (Array.isArray(value)) {
    const out = value.map((x) => mapStrings(x, f));
    return (out.some((x, i) => x !== value[i]) ? out : value) as T;
  }
  if (value === null || typeof value !== 'object') return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const mapped = mapStrings(v, f);
    if (mapped !== v) out ??= { ...(value as Record<string, unknown>) };
    if (out) out[k] = mapped;
  }
  return (out ?? value) as T;
}

function writeValuesFile(dir: string, values: PlatformValue[]): void {
  const deployTime = values.filter((v) => v.placeholder).sort((a, b) => a.placeholder!.localeCompare(b.placeholder!));
  const resolved = values.filter((v) => v.value !== undefined).sort((a, b) => a.expression.localeCompare(b.expression));
  const header = [
    '# Values the YAML in this directory takes from other stacks.',
    '# resolved: known at synth; the YAML holds the value.',
    '# deployTime: known once the stack is applied; the YAML holds the placeholder. Before a GitOps tool applies',
    '# the YAML, replace each placeholder with `terraform -chdir=cdktf.out/stacks/<stack> output -raw <output>`',
    '# (`node scripts/fill-platform-values.js <manifests dir> <out dir>` does it; see docs/gitops.md).',
    '',
  ].join('\n');
  fs.writeFileSync(platformValuesFile(dir), header + dump({ deployTime, resolved }, { noRefs: true, lineWidth: -1 }));
}

/** `terraform output -json` of one stack: each output's value. */
export type StackOutputs = Record<string, { readonly value: unknown }>;

/**
 * Writes the YAML of `manifestDir` to `outDir` with every deploy-time placeholder of its
 * {@link platformValuesFile} replaced by the stack output it names (`outputsOf(stack)`, e.g. from
 * `terraform -chdir=cdktf.out/stacks/<stack> output -json`). Fails when an output is missing or
 * a placeholder would remain. Returns the files written.
 */
export function fillPlatformValues(manifestDir: string, outDir: string, outputsOf: (stack: string) => StackOutputs): string[] {
  const list = load(fs.readFileSync(platformValuesFile(manifestDir), 'utf8')) as { deployTime?: PlatformValue[] } | undefined;
  const fills = new Map<string, string>();
  for (const v of list?.deployTime ?? []) {
    const out = outputsOf(v.stack)[v.output];
    if (out === undefined || out.value === null || typeof out.value === 'object') {
      throw new Error(`stack ${v.stack} has no string output ${v.output} (for ${v.placeholder}): apply the stack first, or pass its outputs.`);
    }
    fills.set(v.placeholder!, String(out.value));
  }
  const placeholder = /\(\([A-Za-z0-9_.-]+:[A-Za-z0-9_-]+\)\)/g;
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const file of fs.readdirSync(manifestDir).filter((f) => f.endsWith('.k8s.yaml')).sort()) {
    const docs = loadAll(fs.readFileSync(path.join(manifestDir, file), 'utf8')) as SynthesizedObject[];
    const filled = docs.map((d) => mapStrings(d, (s) => s.replace(placeholder, (p) => {
      const v = fills.get(p);
      if (v === undefined) throw new Error(`${file}: ${p} is not listed in ${path.basename(platformValuesFile(manifestDir))}.`);
      return v;
    })));
    fs.writeFileSync(path.join(outDir, file), filled.map((d) => dump(d, { noRefs: true, lineWidth: -1 })).join('---\n'));
    written.push(file);
  }
  return written;
}
