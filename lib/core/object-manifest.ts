import { Construct } from 'constructs';
import { Manifest, ManifestConfig } from '@cdktf/provider-kubernetes/lib/manifest';
import type { SynthesizedObject } from './workloads-stack';

/** Props of {@link ObjectManifest}: those of `Manifest` without `manifest`, which is the object. */
export type ObjectManifestConfig = Omit<ManifestConfig, 'manifest'>;

/**
 * The `kubernetes_manifest` of one object of a {@link WorkloadsStack}. Its `manifest` attribute is
 * the cdk8s object, rendered into the Terraform JSON by the stack in one pass over plain data
 * (`resolveData`) instead of by cdktf's generic resolution, which would walk every value of every
 * object three times per synth. Everything else (provider, `depends_on`, field manager, overrides)
 * is rendered by cdktf as for any resource; the HCL rendering (`cdktf synth --hcl`) is cdktf's own.
 */
export class ObjectManifest extends Manifest {
  /** The Kubernetes object, as cdk8s synthesized it (cdktf tokens not yet resolved). */
  public readonly kubernetesObject: SynthesizedObject;

  constructor(scope: Construct, id: string, object: SynthesizedObject, config: ObjectManifestConfig = {}) {
    super(scope, id, { ...config, manifest: object });
    this.kubernetesObject = object;
  }

  protected synthesizeAttributes(): { [name: string]: any } {
    const { manifest: _renderedByTheStack, ...attributes } = super.synthesizeAttributes();
    return attributes;
  }
}
