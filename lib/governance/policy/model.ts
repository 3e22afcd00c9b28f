import * as fs from 'fs';
import * as path from 'path';
import { unescapeTemplateSequences } from '../../core/terraform-literals';
import type { AcceptedImage, DeclaredNeed } from '../system/needs';
import type { StackInfo } from '../system/system-model';

/** How serious a finding is; `error` fails the synth, the others are reported. */
export type Severity = 'error' | 'warning' | 'info';
/** Severities from most to least serious. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** One Terraform resource as the rules see it: the synthesized shape (snake_case attributes). */
export interface TfResource {
  /** Stack (cdktf) or module (plan) the resource belongs to. */
  readonly stack: string;
  /** Resource type, e.g. `aws_s3_bucket`. */
  readonly type: string;
  /** Logical name, e.g. `lake_raw_bucket`. */
  readonly name: string;
  /** Terraform address `<type>.<name>`. */
  readonly address: string;
  /** Construct path (from `//.metadata.path`), or the address when unknown (plan files). */
  readonly path: string;
  /** Attribute values (references still as `${...}` strings in cdktf output; unknown values absent in plans). */
  readonly values: Record<string, any>;
  /** Addresses each top-level attribute references (`bucket` -> [`aws_s3_bucket.x`]). */
  readonly references: Record<string, string[]>;
}

/** A Kubernetes object, applied by the kubernetes_manifest resource at `address`. */
export interface K8sResource {
  readonly stack: string;
  readonly address: string;
  readonly path: string;
  readonly object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };
}

/** Everything a review or a policy evaluation looks at. */
export interface PlatformModel {
  readonly resources: TfResource[];
  readonly objects: K8sResource[];
  /** Provider default tags per stack. */
  readonly defaultTags: Record<string, Record<string, string>>;
  /** Where the model was read from. */
  readonly source: string;
  /**
   * What the grants declared (construct metadata the output cannot tell): from the construct tree at
   * synth, or `declared-needs.json` next to the stacks. Absent for plan files.
   * @default none
   */
  readonly needs?: DeclaredNeed[];
  /** Images pinned by tag that were accepted where they are used, with the reason (written beside the needs). @default none */
  readonly acceptedImages?: AcceptedImage[];
  /** The stacks with their apply order and where each is applied from. @default read from the stacks' references */
  readonly stacks?: StackInfo[];
  /** Provider configurations per stack (`{ helm: [{ kubernetes: {...} }] }`). @default none */
  readonly providers?: Record<string, Record<string, any>>;
  /**
   * Suppressions the synth accepted (from the policy packs' `policy-report*.json` next to the stacks), so a
   * review of the output reports those findings as suppressed with the same reasons.
   * @default none
   */
  readonly acceptedSuppressions?: Array<{ ruleId: string; path?: string; reason: string }>;
}

/** A problem reading an input (malformed, truncated or unknown file): shown as a one-line error. */
export class ReviewInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReviewInputError';
  }
}

const REF = /\$\{[^}]*?\b([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z0-9_-]+)/g;

function refsOf(v: unknown, into: Set<string>): Set<string> {
  if (typeof v === 'string') {
    for (const m of v.matchAll(REF)) if (m[1] !== 'data') into.add(`${m[1]}.${m[2]}`);
  } else if (Array.isArray(v)) v.forEach((x) => refsOf(x, into));
  else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => k !== '//' && refsOf(x, into));
  return into;
}

/** The addresses each attribute references, found when a rule first asks for that attribute. */
function referencesOf(values: Record<string, unknown>): Record<string, string[]> {
  const refs: Record<string, string[]> = {};
  for (const k of Object.keys(values)) {
    Object.defineProperty(refs, k, {
      enumerable: true,
      configurable: true,
      get: () => {
        const found = [...refsOf(values[k], new Set())];
        Object.defineProperty(refs, k, { value: found, enumerable: true });
        return found;
      },
    });
  }
  return refs;
}

/** Builds the model of one synthesized cdktf stack (`cdk.tf.json`, resolved). */
export function modelOfStack(stack: string, json: Record<string, any>): { resources: TfResource[]; objects: K8sResource[]; defaultTags: Record<string, string> } {
  const resources: TfResource[] = [];
  const objects: K8sResource[] = [];
  for (const [type, byName] of Object.entries<Record<string, any>>(json.resource ?? {})) {
    for (const [name, body] of Object.entries<Record<string, any>>(byName ?? {})) {
      const { ['//']: meta, ...values } = body ?? {};
      const address = `${type}.${name}`;
      const p: string = meta?.metadata?.path ?? address;
      resources.push({ stack, type, name, address, path: p, values, references: referencesOf(values) });
      if (type === 'kubernetes_manifest' && values.manifest && typeof values.manifest === 'object') {
        // As Kubernetes receives it: Terraform reads the escapes $${ and %%{ as ${ and %{.
        objects.push({ stack, address, path: p, object: unescapeTemplateSequences(values.manifest) });
      }
    }
  }
  const providers = json.provider?.aws;
  const provider = Array.isArray(providers) ? providers[0] : providers;
  const dt = provider?.default_tags;
  const defaultTags = (Array.isArray(dt) ? dt[0]?.tags : dt?.tags) ?? {};
  return { resources, objects, defaultTags };
}

const REMOTE = /cross-stack-reference-input-([A-Za-z0-9_-]+)\.outputs/g;

/** The stacks a synthesized stack document reads outputs from (cdktf cross-stack references). */
export function stackDependencies(json: Record<string, any>): string[] {
  const text = JSON.stringify(json.provider ?? {}) + JSON.stringify(json.resource ?? {});
  const out = new Set<string>();
  for (const mm of text.matchAll(REMOTE)) out.add(mm[1].split('--').pop()!);
  for (const k of Object.keys(json.data?.terraform_remote_state ?? {})) {
    if (k.startsWith('cross-stack-reference-input-')) out.add(k.slice('cross-stack-reference-input-'.length).split('--').pop()!);
  }
  return [...out];
}

/** File in the output directory holding the declared needs (written by the policy pack at synth). */
export const NEEDS_FILE = 'declared-needs.json';

/** Reads a synthesized `cdktf.out` directory (or its `stacks/` folder). */
export function modelOfOutdir(outdir: string): PlatformModel {
  const stacksDir = fs.existsSync(path.join(outdir, 'stacks')) ? path.join(outdir, 'stacks') : outdir;
  const names = fs.readdirSync(stacksDir).filter((n) => fs.existsSync(path.join(stacksDir, n, 'cdk.tf.json')));
  if (names.length === 0) throw new ReviewInputError(`${outdir} holds no synthesized stacks (expected stacks/<name>/cdk.tf.json); run cdktf synth first.`);
  const root = path.join(stacksDir, '..');
  const needsFiles = fs.readdirSync(root).filter((n) => n === NEEDS_FILE || (n.startsWith(NEEDS_FILE.replace('.json', '-')) && n.endsWith('.json'))).sort();
  const stacks: StackInfo[] = [];
  const model: PlatformModel = {
    resources: [], objects: [], defaultTags: {}, source: outdir, stacks, providers: {},
    ...(needsFiles.length ? {
      needs: needsFiles.flatMap((n) => parseJson(path.join(root, n)).needs ?? []),
      acceptedImages: needsFiles.flatMap((n) => parseJson(path.join(root, n)).acceptedImages ?? []),
    } : {}),
  };
  const manifestFile = path.join(root, 'manifest.json');
  const manifest: Record<string, any> = fs.existsSync(manifestFile) ? parseJson(manifestFile).stacks ?? {} : {};
  const reports = fs.readdirSync(root).filter((n) => /^policy-report(-.+)?\.json$/.test(n)).sort();
  const accepted = reports.flatMap((n) => (parseJson(path.join(root, n)).suppressions ?? []) as any[])
    .filter((x) => x && typeof x.ruleId === 'string' && typeof x.reason === 'string').map((x) => ({ ruleId: x.ruleId, ...(x.path ? { path: x.path } : {}), reason: x.reason }));
  if (accepted.length) (model as { acceptedSuppressions?: unknown }).acceptedSuppressions = accepted;
  for (const n of names.sort()) {
    const file = path.join(stacksDir, n, 'cdk.tf.json');
    const json = parseJson(file);
    const m = modelOfStack(n, json);
    model.resources.push(...m.resources);
    model.objects.push(...m.objects);
    model.defaultTags[n] = m.defaultTags;
    const info = manifest[n];
    const declared = (info?.dependencies ?? []).map((d: string) => Object.values(manifest).find((x: any) => x.constructPath === d)?.name).filter((x: unknown): x is string => typeof x === 'string');
    stacks.push({ name: n, ...(typeof info?.constructPath === 'string' ? { path: info.constructPath } : {}), dependsOn: [...new Set([...stackDependencies(json), ...declared])] });
    model.providers![n] = json.provider ?? {};
  }
  return model;
}

/** Reads a `terraform show -json <planfile>` document (format_version 1.x). */
export function modelOfPlan(file: string, json?: any): PlatformModel {
  const plan = json ?? parseJson(file);
  if (!plan || typeof plan !== 'object' || typeof plan.format_version !== 'string' || !plan.planned_values) {
    throw new ReviewInputError(`${file} is not a Terraform plan in JSON (no format_version / planned_values); produce it with \`terraform show -json plan.tfplan > plan.json\`.`);
  }
  const model: PlatformModel = { resources: [], objects: [], defaultTags: {}, source: file };
  const configRefs = new Map<string, Record<string, string[]>>();
  const walkConfig = (mod: any, prefix: string) => {
    for (const r of mod?.resources ?? []) {
      const refs: Record<string, string[]> = {};
      for (const [k, e] of Object.entries<any>(r.expressions ?? {})) {
        refs[k] = (e?.references ?? []).filter((x: string) => /^[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z0-9_-]+$/.test(x));
      }
      configRefs.set(`${prefix}${r.address}`, refs);
    }
    for (const [name, call] of Object.entries<any>(mod?.module_calls ?? {})) walkConfig(call.module, `${prefix}module.${name}.`);
  };
  walkConfig(plan.configuration?.root_module, '');
  const p = plan.configuration?.provider_config?.aws;
  const dt = p?.expressions?.default_tags;
  model.defaultTags.root = (Array.isArray(dt) ? dt[0]?.tags?.constant_value : undefined) ?? {};
  const walk = (mod: any) => {
    for (const r of mod?.resources ?? []) {
      if (r.mode && r.mode !== 'managed') continue;
      const address: string = r.address;
      const values = r.values ?? {};
      const res: TfResource = { stack: mod.address ?? 'root', type: r.type, name: r.name, address, path: address, values, references: configRefs.get(address) ?? {} };
      model.resources.push(res);
      if (r.type === 'kubernetes_manifest' && values.manifest && typeof values.manifest === 'object') {
        model.objects.push({ stack: res.stack, address, path: address, object: values.manifest });
      }
    }
    for (const c of mod?.child_modules ?? []) walk(c);
  };
  walk(plan.planned_values.root_module);
  return model;
}

/** Reads a cdktf.out directory, a single cdk.tf.json or a plan JSON file. */
export function readModel(input: string): PlatformModel {
  if (!fs.existsSync(input)) throw new ReviewInputError(`${input} does not exist; pass a cdktf.out directory or a \`terraform show -json\` file.`);
  if (fs.statSync(input).isDirectory()) return modelOfOutdir(input);
  const json = parseJson(input);
  if (json && typeof json === 'object' && 'format_version' in json) return modelOfPlan(input, json);
  if (json && typeof json === 'object' && ('resource' in json || 'terraform' in json)) {
    const m = modelOfStack(path.basename(path.dirname(input)), json);
    return { resources: m.resources, objects: m.objects, defaultTags: { [path.basename(path.dirname(input))]: m.defaultTags }, source: input };
  }
  throw new ReviewInputError(`${input} is neither a cdktf stack (cdk.tf.json) nor a Terraform plan in JSON.`);
}

function parseJson(file: string): any {
  const text = fs.readFileSync(file, 'utf8');
  if (text.trim() === '') throw new ReviewInputError(`${file} is empty.`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ReviewInputError(`${file} is not valid JSON (${(e as Error).message}); the file may be truncated; regenerate it.`);
  }
}

/** The effective tags of a resource: provider default tags, its own tags, or (plans) tags_all. */
export function effectiveTags(model: PlatformModel, r: TfResource): Record<string, string> {
  return { ...(model.defaultTags[r.stack] ?? model.defaultTags.root ?? {}), ...(r.values.tags ?? {}), ...(r.values.tags_all ?? {}) };
}

/** First element of a block that cdktf may render as an object or a one-element list. */
export function firstBlock(v: any): any {
  return Array.isArray(v) ? v[0] : v;
}
