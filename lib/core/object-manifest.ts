import { Construct } from 'constructs';
import { anyToHclTerraform, hashMapperHcl } from 'cdktf';
import { Manifest, ManifestConfig } from '@cdktf/provider-kubernetes/lib/manifest';
import { invalid } from './errors';
import type { SynthesizedObject } from './workloads-stack';

/** Props of {@link ObjectManifest}: those of `Manifest` without `manifest`, which is the object. */
export type ObjectManifestConfig = Omit<ManifestConfig, 'manifest'>;

/**
 * The `kubernetes_manifest` of one object of a {@link WorkloadsStack}. Its `manifest` attribute is
 * the cdk8s object, rendered by the stack in one pass over plain data (`resolveData`) instead of by
 * cdktf's generic resolution, which would walk every value of every object three times per synth;
 * its text is escaped for Terraform (a `${HOME}` in a script reaches Kubernetes as written).
 * Everything else (provider, `depends_on`, field manager) is rendered by cdktf as for any resource.
 *
 * `addOverride('manifest.<path>', value)` works as on any resource (cdktf's deep merge: `undefined`
 * deletes, an array value is appended) and reaches the YAML too; the object itself is authored in
 * cdk8s, so the `manifest` setter refuses. The manifests exist once the stack is prepared, so
 * overrides come from an Aspect; as for any cdktf resource changed by an Aspect, a value must not
 * reference another stack's resources (cdktf registers cross-stack references while preparing).
 */
export class ObjectManifest extends Manifest {
  /** The Kubernetes object, as cdk8s synthesized it (cdktf tokens not yet resolved). */
  public readonly kubernetesObject: SynthesizedObject;
  private readonly objectOverrides: { manifest?: Record<string, unknown> } = {};
  private rendered?: Record<string, unknown>;

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

  /** As for any resource; paths under `manifest` are merged into the object by the stack. */
  public addOverride(path: string, value: any): void {
    const parts = path.split('.');
    if (parts[0] !== 'manifest') return super.addOverride(path, value);
    // cdktf's own override tree: intermediate values that are not objects become objects.
    let node: Record<string, any> = this.objectOverrides;
    for (const key of parts.slice(0, -1)) {
      if (node[key] === null || typeof node[key] !== 'object' || Array.isArray(node[key])) node[key] = {};
      node = node[key];
    }
    node[parts[parts.length - 1]] = value;
  }

  /** The overrides added under `manifest.`, as cdktf keeps overrides (a tree of values). */
  public get manifestOverrides(): Record<string, unknown> | undefined {
    return this.objectOverrides.manifest;
  }

  /** Called by the stack with the object as rendered into the Terraform JSON (for the HCL rendering). */
  public setRenderedManifest(manifest: Record<string, unknown>): void {
    this.rendered = manifest;
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    const { manifest: _renderedByTheStack, ...attributes } = super.synthesizeAttributes();
    return attributes;
  }

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attributes = super.synthesizeHclAttributes();
    if (this.rendered) attributes.manifest = { ...attributes.manifest, value: hashMapperHcl(anyToHclTerraform)(this.rendered) };
    return attributes;
  }
}
