import { App } from 'cdktf';
import { MlopsStack } from '../../lib/core/mlops-stack';
import { WorkloadsStack } from '../../lib/core/workloads-stack';
import { ServiceWorkload } from '../../lib/core/service-workload';
import { ContainerImage } from '../../lib/core/container-image';
import { ContainerRegistry, ContainerRegistryProps } from '../../lib/registry/container-registry';
import { allObjects, danglingReferences, object, schemaViolations, synthesize, Synthesized } from '../support/synth';
import { testStack } from '../support/fixtures';

const CONNECTION = { clusterName: 'acme-dev', endpoint: 'https://example.eks.amazonaws.com', certificateAuthorityData: 'Y2E=', region: 'eu-west-1' };
const HOST = '111122223333.dkr.ecr.eu-west-1.amazonaws.com';
const DIGEST = 'sha256:' + 'd'.repeat(64);

function base(app: App, profile: 'dev' | 'prod' = 'prod', registry: Partial<ContainerRegistryProps> | false = {}) {
  const stack = testStack(app, { profile });
  const workloads = new WorkloadsStack(app, 'workloads', { cluster: CONNECTION });
  const images = registry === false ? undefined : new ContainerRegistry(stack, 'images', { accountId: '111122223333', models: ['churn'], platformImages: ['mlflow'], ...registry });
  const service = (id: string, image: string | ContainerImage) => new ServiceWorkload(stack, id, { workloads, namespace: 'serving', name: id.replace(/_/g, '-'), image, port: 8080 });
  return { stack, workloads, images, service };
}

const imageOf = (s: Synthesized, name: string) => object(s, 'Deployment', name, 'serving').spec.template.spec.containers[0].image;

describe('images from the platform registry, or pinned by digest', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize((app) => {
      const { images, service } = base(app);
      service('from_registry', images!.image('churn', { tag: '1.4.2' }));
      service('by_digest', images!.image('churn', { digest: DIGEST }));
      service('registry_string', `${HOST}/acme-dev/models/churn:1.4.3`);
      service('external_digest', `ghcr.io/acme/tool@${DIGEST}`);
      service('declared_external', ContainerImage.external(`docker.io/acme/tool:2.0@${DIGEST}`));
      service('mirrored_default', ContainerImage.libraryDefault('ghcr.io/mlflow/mlflow:v2.22.0'));
      service('upstream_default', ContainerImage.libraryDefault('feastdev/feature-server:0.40.1'));
      const unknownAccount = new MlopsStack(app, 'other', { profile: 'prod', region: 'eu-west-1', namePrefix: 'acme-other', tags: { owner: 'a@acme.example', 'cost-center': 'cc-1', 'data-classification': 'internal' } });
      const registry = new ContainerRegistry(unknownAccount, 'images', { models: ['ranker'] });
      const w = new WorkloadsStack(app, 'other-workloads', { cluster: CONNECTION });
      new ServiceWorkload(unknownAccount, 'ranker', { workloads: w, namespace: 'serving', name: 'ranker', image: registry.image('ranker', { tag: '3.1.0' }), port: 8080 });
      new ServiceWorkload(unknownAccount, 'ranker_url', { workloads: w, namespace: 'serving', name: 'ranker-url', image: `${registry.modelImageUrl('ranker')}:3.1.1`, port: 8080 });
    });
  });

  test('references resolve and the objects pass the upstream schemas', () => {
    expect(danglingReferences(s)).toEqual([]);
    expect(schemaViolations(allObjects(s))).toEqual([]);
  });

  test('registry.image(): the repository URL with the tag or the digest, known at synth with accountId', () => {
    expect(imageOf(s, 'from-registry')).toBe(`${HOST}/acme-dev/models/churn:1.4.2`);
    expect(imageOf(s, 'by-digest')).toBe(`${HOST}/acme-dev/models/churn@${DIGEST}`);
  });

  test('a string into the registry is its image; digest-pinned external images run as given', () => {
    expect(imageOf(s, 'registry-string')).toBe(`${HOST}/acme-dev/models/churn:1.4.3`);
    expect(imageOf(s, 'external-digest')).toBe(`ghcr.io/acme/tool@${DIGEST}`);
    expect(imageOf(s, 'declared-external')).toBe(`docker.io/acme/tool:2.0@${DIGEST}`);
  });

  test('a library default runs from the registry mirror platform/<name> with its tag, else from upstream', () => {
    expect(imageOf(s, 'mirrored-default')).toBe(`${HOST}/acme-dev/platform/mlflow:v2.22.0`);
    expect(imageOf(s, 'upstream-default')).toBe('feastdev/feature-server:0.40.1');
  });

  test('without accountId the image is the repository URL, a deploy-time value of the platform stack', () => {
    const ranker = object(s, 'Deployment', 'ranker', 'serving').spec.template.spec.containers[0].image;
    expect(ranker).toMatch(/^\$\{data\.terraform_remote_state\.[^}]+\.outputs\.cross_stack_output_aws_ecr_repository_images_model_ranker_repository_url\}:3\.1\.0$/);
    const byUrl = object(s, 'Deployment', 'ranker-url', 'serving').spec.template.spec.containers[0].image;
    expect(byUrl).toMatch(/^\$\{data\.terraform_remote_state\.[^}]+\.outputs\.cross_stack_output_aws_ecr_repository_images_model_ranker_repository_url\}:3\.1\.1$/);
  });
});

describe('image references: invalid input', () => {
  const build = (image: string | ContainerImage, profile: 'dev' | 'prod' = 'prod', registry: Partial<ContainerRegistryProps> | false = {}) => () => {
    base(new App(), profile, registry).service('svc', image);
  };

  test('an external image with a tag only, in prod', () => {
    expect(build('ghcr.io/acme/tool:2.0')).toThrow(
      /^\[platform\/svc\] image "ghcr\.io\/acme\/tool:2\.0" does not come from the platform's container registry and is not pinned by digest, so the image that runs can change under the same tag\. Fix: pin it by digest \("ghcr\.io\/acme\/tool@sha256:<digest>"\), or push it to a ContainerRegistry repository and use registry\.image\(\.\.\.\)\.$/);
    expect(build(ContainerImage.external('acme/tool:2.0'))).toThrow(/^\[platform\/svc\] image "acme\/tool:2\.0" does not come from the platform's container registry/);
  });

  test('the dev profile accepts a version tag on an external image; latest and untagged are refused everywhere', () => {
    expect(build('ghcr.io/acme/tool:2.0', 'dev')).not.toThrow();
    expect(build('ghcr.io/acme/tool:latest', 'dev')).toThrow(/^\[platform\/svc\] image "ghcr\.io\/acme\/tool:latest" uses the mutable tag "latest"\. Fix:/);
    expect(build('ghcr.io/acme/tool', 'dev')).toThrow(/^\[platform\/svc\] image "ghcr\.io\/acme\/tool" is not pinned to a tag or digest\. Fix:/);
  });

  test('a reference into the registry that names no repository of it', () => {
    expect(build(`${HOST}/acme-dev/models/ranker:1.0.0`)).toThrow(
      /^\[platform\/svc\] image "111122223333\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/acme-dev\/models\/ranker:1\.0\.0" points into the platform registry platform\/images, which has no repository "acme-dev\/models\/ranker", so CI cannot push it\. Fix: add it to the registry's models or platformImages, or use one of acme-dev\/models\/churn, acme-dev\/platform\/mlflow\.$/);
  });

  test('another account\'s ECR is external', () => {
    expect(build(`444455556666.dkr.ecr.eu-west-1.amazonaws.com/acme-dev/models/churn:1.0.0`)).toThrow(/^\[platform\/svc\] image "444455556666[^"]+" does not come from the platform's container registry/);
  });

  test('references that are not image references', () => {
    expect(build('${aws_ecr_repository.x.repository_url}:1.0')).toThrow(/^\[platform\/svc\] image "\$\{aws_ecr_repository\.x\.repository_url\}:1\.0" holds a Terraform expression that is not a repository URL of the platform's container registry\. Fix:/);
    expect(build('acme/tool@sha256:abc')).toThrow(/^\[platform\/svc\] image "acme\/tool@sha256:abc" has the digest "sha256:abc", which is not sha256:<64 lower-case hex digits>\. Fix:/);
    expect(build('Acme/Tool:1.0')).toThrow(/^\[platform\/svc\] image "Acme\/Tool:1\.0" has the repository "Acme\/Tool", which is not lower-case letters, digits and \._- separated by \/\. Fix:/);
  });

  test('registry.image(): unknown name, tag and digest together or neither, latest', () => {
    const { images } = base(new App());
    expect(() => images!.image('ranker', { tag: '1.0' })).toThrow(/^\[platform\/images\] image "ranker" has no repository\. Fix: use one of churn, mlflow, or add it to models or platformImages\.$/);
    expect(() => images!.image('churn', { tag: '1.0', digest: DIGEST })).toThrow(/^\[platform\/images\] image "churn" needs exactly one of tag and digest\. Fix: pass \{ tag: "1\.2\.3" \} or \{ digest: "sha256:<64 hex>" \}\.$/);
    expect(() => images!.image('churn', {})).toThrow(/^\[platform\/images\] image "churn" needs exactly one of tag and digest\./);
    expect(() => images!.image('churn', { tag: 'latest' })).toThrow(/^\[platform\/images\] image "churn" uses the tag "latest"\. Fix: tag each build with its version, e\.g\. "1\.4\.0"\.$/);
    expect(() => images!.image('churn', { digest: 'sha256:1' })).toThrow(/^\[platform\/images\] image "churn" has the digest "sha256:1", which is not sha256:<64 lower-case hex digits>\./);
  });

  test('accountId that is not an account id', () => {
    expect(() => base(new App(), 'prod', { accountId: '1234' })).toThrow(/^\[platform\/images\] accountId "1234" is not an AWS account id\. Fix: use the 12 digits of the account, e\.g\. "111122223333"\.$/);
  });
});
