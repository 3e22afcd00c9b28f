/** IAM decisions for tests, from the engine the system checks use. */
import { evaluatePolicyRequest } from '../../lib/governance/system/iam';


export type Context = Record<string, string | string[] | undefined>;
export interface Request {
  action: string;
  resource: string;
  context?: Context;
  /** The resource's own policy (a KMS key policy is needed for any KMS call, as in AWS). @default none */
  resourcePolicy?: any;
}
export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** The role the decisions are asked for (its account is the resources' account). */
const PRINCIPAL = 'arn:aws:iam::111122223333:role/acme-mlops-prod-ci-deploy';

/**
 * Identity policies bounded by an optional permissions boundary, evaluated by the maintained engine the
 * system checks use (@cloud-copilot/iam-simulate through evaluatePolicyRequest), not by hand.
 */
export function evaluate(principal: { policies: any[]; boundary?: any; arn?: string }, req: Request): Decision {
  const context = Object.fromEntries(Object.entries(req.context ?? {}).filter((e): e is [string, string | string[]] => e[1] !== undefined));
  const result = evaluatePolicyRequest({
    principal: principal.arn ?? PRINCIPAL, action: req.action, resource: req.resource, context,
    identityPolicies: principal.policies, boundaryPolicies: principal.boundary ? [principal.boundary] : undefined, resourcePolicy: req.resourcePolicy,
  });
  return result === 'Allowed' ? 'Allow' : result === 'ExplicitlyDenied' ? 'ExplicitDeny' : 'ImplicitDeny';
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
