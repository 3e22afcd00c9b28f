import { TerraformStack } from 'cdktf';
import * as cdktfTokens from 'cdktf/lib/_tokens';
import { resolveData } from './resolve-data';
import './token-stack-traces';

type Resolve = typeof cdktfTokens.resolve;

/**
 * A TerraformStack that renders its Terraform JSON once per synth, and faster.
 *
 * - cdktf resolves the whole stack every time `toTerraform()` is called; the policy pack reads it
 *   during validation and the synthesizer writes it right after, so once the stack is prepared
 *   (cross-stack references registered, Kubernetes manifests emitted) the first rendering is kept.
 * - While cdktf prepares and renders this stack, its resolution runs through {@link resolveData}:
 *   the same result, but cdktf's resolver is only handed the values that may hold a token. cdktf's
 *   own `prepareStack` and `toTerraform` run unchanged (backend, metadata, outputs, overrides); the
 *   `resolve` they look up is this stack's for the duration of the call.
 */
export abstract class SynthOnceStack extends TerraformStack {
  private prepared = false;
  private rendered?: { [key: string]: any };

  public prepareStack(): void {
    this.withDataResolution(() => super.prepareStack());
    this.prepared = true;
  }

  public toTerraform(): { [key: string]: any } {
    if (!this.prepared) return this.render();
    this.rendered ??= this.render();
    return this.rendered;
  }

  /** Whether cdktf has prepared this stack for the synth (cross-stack references registered). */
  protected get isPrepared(): boolean {
    return this.prepared;
  }

  /** Renders the stack's Terraform JSON (cdktf's rendering); a subclass adds what it renders itself. */
  protected render(): { [key: string]: any } {
    return this.withDataResolution(() => super.toTerraform());
  }

  private hasStackOverrides(): boolean {
    return Object.keys((this as unknown as { rawOverrides?: object }).rawOverrides ?? {}).length > 0;
  }

  private isMergedRendering(obj: unknown): boolean {
    const metadata = (obj as { '//'?: { metadata?: { stackName?: string; overrides?: unknown } } } | undefined)?.['//']?.metadata;
    return metadata?.stackName === this.node.id && metadata.overrides === undefined;
  }

  private withDataResolution<T>(fn: () => T): T {
    const tokens = cdktfTokens as { resolve: Resolve };
    const original = tokens.resolve;
    // A stack with overrides of its own is left to cdktf: merging them into a rendering that shares
    // arrays with the constructs' data could change that data.
    if (typeof original !== 'function' || this.hasStackOverrides()) return fn();
    tokens.resolve = ((scope, obj, preparing) => {
      if (scope !== this) return original(scope, obj, preparing);
      // toTerraform() ends by resolving the document it merged from the fragments it already
      // resolved; only the stack's own overrides (listed in its metadata) could still hold tokens.
      if (this.isMergedRendering(obj)) return obj;
      return resolveData(this, obj, preparing);
    }) as Resolve;
    try {
      return fn();
    } finally {
      tokens.resolve = original;
    }
  }
}
