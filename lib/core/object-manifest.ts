import { Construct } from 'constructs';
import { Manifest, ManifestConfig } from '@cdktf/provider-kubernetes/lib/manifest';
import { invalid } from './errors';
import type { SynthesizedObject } from './workloads-stack';

/** Props of {@link ObjectManifest}: those of `Manifest` without `manifest`, which is the object. */
export type ObjectManifestConfig = Omit<ManifestConfig, 'manifest'>;

/**
 * The `kubernetes_manifest` of one object of a {@link WorkloadsStack}. Its `manifest` attribute is
 * the cdk8s object, rendered into the Terraform JSON by the stack in one pass over plain data
 * (`resolveData`) instead of by cdktf's generic resolution, which would walk every value of every
 * object three times per synth. Everything else (provider, `depends_on`, field manager, other
 * overrides) is rendered by cdktf as for any resource; the HCL rendering (`cdktf synth --hcl`) is
 * cdktf's own.
 *
 * `addOverride('manifest.<path>', value)` edits the object as applied and written to YAML (a value
 * of `undefined` deletes); the object itself is authored in cdk8s, so the `manifest` setter refuses.
 * The manifests exist once the stack is prepared, so overrides come from an Aspect; as for any
 * cdktf resource changed by an Aspect, a value must not reference another stack's resources (cdktf
 * registers cross-stack references while preparing, before Aspects run).
 */
export class ObjectManifest extends Manifest {
  /** The Kubernetes object, as cdk8s synthesized it (cdktf tokens not yet resolved). */
  public readonly kubernetesObject: SynthesizedObject;
  private readonly objectOverrides: Array<{ readonly path: string[]; readonly value: unknown }> = [];

  constructor(scope: Construct, id: string, object: SynthesizedObject, config: ObjectManifestConfig = {}) {
    super(scope, id, { ...config, manifest: object });
    this.kubernetesObject = object;
  }

  public get manifest(): { [key: string]: any } {
    return super.manifest;
  }

  public set manifest(_value: { [key: string]: any }) {
    invalid(this, 'its manifest is the cdk8s object it was created from and cannot be replaced.',
      'change the object in its cdk8s scope, or use addOverride(\'manifest.<path>\', value) for one field.');
  }

  /** As for any resource; a path under `manifest` edits the object (`undefined` deletes the field). */
  public addOverride(path: string, value: any): void {
    const [head, ...rest] = path.split('.');
    if (head !== 'manifest') return super.addOverride(path, value);
    this.objectOverrides.push({ path: rest, value });
  }

  /**
   * `object` (this manifest's object with its tokens resolved) with the `manifest.` overrides
   * applied in the order they were added, their values resolved by `resolve`. `object` is not modified.
   */
  public applyOverrides<T>(object: T, resolve: (value: unknown) => unknown): T {
    if (this.objectOverrides.length === 0) return object;
    let result: any = structuredClone(object);
    for (const { path, value } of this.objectOverrides) {
      const v = resolve(value);
      if (path.length === 0) {
        result = v;
        continue;
      }
      let node = result;
      for (const key of path.slice(0, -1)) {
        if (node[key] === null || typeof node[key] !== 'object') node[key] = {};
        node = node[key];
      }
      const last = path[path.length - 1];
      if (v !== undefined) node[last] = v;
      else if (Array.isArray(node)) node.splice(Number(last), 1);
      else delete node[last];
    }
    return result;
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    const { manifest: _renderedByTheStack, ...attributes } = super.synthesizeAttributes();
    return attributes;
  }
}
