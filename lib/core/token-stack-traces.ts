/**
 * cdktf records a full, formatted stack trace for every token it creates (each resource
 * reference, each nested block), only to print it if that token later fails to resolve. On a
 * large platform that is a third of the synth. aws-cdk made the same trade long ago: it captures
 * creation stacks only when `CDK_DEBUG` is `true` or `1`. This module applies that rule to cdktf
 * tokens: with `CDK_DEBUG` unset, a token's creation stack reads
 * `['stack traces disabled (set CDK_DEBUG=true to record them)']`.
 *
 * It replaces the exported `captureStackTrace` of cdktf's `tokens/private/stack-trace` module, which
 * cdktf's token classes look up at every call. If a future cdktf moves that function, nothing is
 * replaced and cdktf keeps its own behaviour.
 */
import * as stackTrace from 'cdktf/lib/tokens/private/stack-trace';

const DISABLED = ['stack traces disabled (set CDK_DEBUG=true to record them)'];

/** Whether cdktf token creation stacks are recorded in this process (`CDK_DEBUG=true|1`). */
export function tokenStackTracesEnabled(): boolean {
  return ['true', '1'].includes((process.env.CDK_DEBUG ?? '').toLowerCase());
}

const original = stackTrace.captureStackTrace;

/** Installs the CDK_DEBUG rule; called once when the library loads. */
export function applyTokenStackTraceSetting(): void {
  const module = stackTrace as { captureStackTrace: typeof original };
  if (typeof original !== 'function') return;
  module.captureStackTrace = (below?: Function) => (tokenStackTracesEnabled() ? original(below) : DISABLED.slice());
}

applyTokenStackTraceSetting();
