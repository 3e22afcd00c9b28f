/**
 * A small IAM policy evaluator for tests: identity policies intersected with a permissions boundary,
 * explicit Deny first. It covers what the library's policies use (Action/NotAction, Resource/
 * NotResource with wildcards, String/Arn/Bool/Null operators, IfExists, ForAllValues/ForAnyValue).
 * It does not evaluate resource policies, SCPs or session policies.
 */

export type Context = Record<string, string | string[] | undefined>;
export interface Request { action: string; resource: string; context?: Context }
export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function wildcard(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('')}$`, caseInsensitive ? 'i' : '');
  return re.test(value);
}

function compare(base: string, expected: string, actual: string): boolean {
  switch (base) {
    case 'StringEquals': case 'ArnEquals': return expected === actual;
    case 'StringEqualsIgnoreCase': return expected.toLowerCase() === actual.toLowerCase();
    case 'StringLike': case 'ArnLike': return wildcard(expected, actual);
    case 'Bool': return String(expected).toLowerCase() === String(actual).toLowerCase();
    default: throw new Error(`iam-evaluation: condition operator ${base} is not supported`);
  }
}

function conditionHolds(operator: string, key: string, expectedRaw: unknown, context: Context): boolean {
  let op = operator;
  let set: 'all' | 'any' | undefined;
  if (op.startsWith('ForAllValues:')) { set = 'all'; op = op.slice(13); }
  if (op.startsWith('ForAnyValue:')) { set = 'any'; op = op.slice(12); }
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -8);
  const expected = asList(expectedRaw as string | string[]).map(String);
  const present = Object.prototype.hasOwnProperty.call(context, key) && context[key] !== undefined;
  const values = asList(context[key]);
  if (op === 'Null') return expected.some((e) => (e === 'true') === !present);
  const negated = /Not/.test(op);
  const base = op.replace('Not', '');
  const matchesOne = (v: string) => expected.some((e) => compare(base, e, v));
  if (set === 'all') return values.every((v) => (negated ? !matchesOne(v) : matchesOne(v)));
  if (set === 'any') return values.some((v) => (negated ? !matchesOne(v) : matchesOne(v)));
  if (!present) return ifExists || negated;
  return negated ? !values.some(matchesOne) : values.some(matchesOne);
}

function statementApplies(st: any, req: Request): boolean {
  const actionOk = st.Action !== undefined
    ? asList<string>(st.Action).some((a) => wildcard(a, req.action, true))
    : !asList<string>(st.NotAction).some((a) => wildcard(a, req.action, true));
  if (!actionOk) return false;
  const resourceOk = st.Resource !== undefined
    ? asList<string>(st.Resource).some((r) => wildcard(r, req.resource))
    : !asList<string>(st.NotResource).some((r) => wildcard(r, req.resource));
  if (!resourceOk) return false;
  for (const [operator, keys] of Object.entries(st.Condition ?? {})) {
    for (const [key, expected] of Object.entries(keys as Record<string, unknown>)) {
      if (!conditionHolds(operator, key, expected, req.context ?? {})) return false;
    }
  }
  return true;
}

/** The decision of one policy set (identity or boundary) on its own. */
export function evaluatePolicies(docs: any[], req: Request): Decision {
  const statements = docs.flatMap((d) => asList(d.Statement));
  if (statements.some((st) => st.Effect === 'Deny' && statementApplies(st, req))) return 'ExplicitDeny';
  return statements.some((st) => st.Effect === 'Allow' && statementApplies(st, req)) ? 'Allow' : 'ImplicitDeny';
}

/** Identity policies bounded by an optional permissions boundary. */
export function evaluate(principal: { policies: any[]; boundary?: any }, req: Request): Decision {
  const identity = evaluatePolicies(principal.policies, req);
  if (identity !== 'Allow' || !principal.boundary) return identity;
  return evaluatePolicies([principal.boundary], req);
}

/** AWS managed AdministratorAccess. */
export const ADMINISTRATOR_ACCESS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** Replaces the stack's partition and account tokens (and any `${type.name.arn}` in `arns`) by literals. */
export function resolveTokens(text: string, arns: Record<string, string> = {}, account = '111122223333'): string {
  let out = text.replace(/\$\{data\.aws_partition\.partition\.partition\}/g, 'aws')
    .replace(/\$\{data\.aws_caller_identity\.caller_identity\.account_id\}/g, account);
  for (const [ref, value] of Object.entries(arns)) out = out.split(`\${${ref}}`).join(value);
  return out;
}
