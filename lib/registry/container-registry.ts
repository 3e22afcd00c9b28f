import { Construct } from 'constructs';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRegistryScanningConfiguration } from '@cdktf/provider-aws/lib/ecr-registry-scanning-configuration';
import { MlopsStack } from '../core/mlops-stack';
import { invalid, show } from '../core/errors';
import { checkName } from '../core/naming';
import { DomainKey } from '../security/domain-key';
import { KeyRing } from '../security/key-ring';
import { IGrantable } from '../security/principal';
import {
  ContainerImage, IImageRegistry, ImageReference, ImageRepositoryInfo, formatImageReference, parseImageReference, registerImageRegistry,
} from '../core/container-image';

/** Props of {@link ContainerRegistry}. */
export interface ContainerRegistryProps {
  /**
   * Images of models (the serving image, and the model's training, batch or explainer images, e.g.
   * `fraud`, `fraud-train`) that get a repository `<prefix>/models/<name>`.
   * @default none
   */
  readonly models?: string[];
  /**
   * Platform images (servers, jobs) that get a repository `<prefix>/platform/<image>`. A library
   * default image whose last path segment is listed here (`mlflow`, `feature-server`, `aws-cli`,
   * `node`) runs from this repository with the library's tag: CI mirrors it there.
   * @default none
   */
  readonly platformImages?: string[];
  /**
   * The AWS account id of the registry (12 digits), so that image references are known at synth
   * (`<account>.dkr.ecr.<region>.amazonaws.com/...`) and the GitOps YAML carries them literally.
   * @default the account of the deploying credentials: images from `image()` are deploy-time values
   */
  readonly accountId?: string;
  /** Identities that pull images (node roles). @default none */
  readonly pullers?: IGrantable[];
  /** The CI identity: the only one that may push. @default none (grant later with grantPush) */
  readonly ci?: IGrantable;
  /** Images kept per repository (any tag); older ones expire. @default 30 */
  readonly keepLastImages?: number;
  /** Days an untagged image is kept. @default 7 */
  readonly untaggedExpiryDays?: number;
  /**
   * Registry-wide enhanced scanning (Amazon Inspector, continuous) for this platform's repositories.
   * The registry scanning configuration is one per account and region: enable it in one stack only.
   * @default false (basic scan on push on every repository)
   */
  readonly enhancedScanning?: boolean;
}

const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];
const PUSH = ['ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage'];
const AUTH_REASON = 'ecr:GetAuthorizationToken has no resource-level permissions';

/**
 * ECR repositories per model and per platform image: KMS-encrypted with the `images` key, immutable
 * tags, scan on push (optionally registry enhanced scanning), and a lifecycle policy that expires
 * untagged images and keeps the last N. Pull access for node roles, push access for CI only.
 */
export class ContainerRegistry extends Construct implements IImageRegistry {
  /** Model repositories by model name. */
  public readonly modelRepositories: Record<string, EcrRepository> = {};
  /** Platform image repositories by image name. */
  public readonly platformRepositories: Record<string, EcrRepository> = {};
  public readonly key: DomainKey;
  public readonly scanning?: EcrRegistryScanningConfiguration;
  public readonly keepLastImages: number;
  /** Registry host `<account>.dkr.ecr.<region>.amazonaws.com` when `accountId` is given. */
  public readonly host?: string;
  private readonly untaggedExpiryDays: number;
  private readonly accountId?: string;
  private readonly hostPattern: RegExp;
  private readonly prefix: string;
  private readonly names = new Map<EcrRepository, string>();
  private readonly urls = new Map<EcrRepository, string>();

  constructor(scope: Construct, id: string, props: ContainerRegistryProps) {
    super(scope, id);
    const stack = MlopsStack.of(this);
    this.keepLastImages = props.keepLastImages ?? 30;
    if (!Number.isInteger(this.keepLastImages) || this.keepLastImages < 1) {
      invalid(this, `keepLastImages ${show(this.keepLastImages)} must be a whole number of at least 1.`, 'keep at least the image that is deployed, e.g. 30.');
    }
    this.untaggedExpiryDays = props.untaggedExpiryDays ?? 7;
    if (!Number.isInteger(this.untaggedExpiryDays) || this.untaggedExpiryDays < 1) {
      invalid(this, `untaggedExpiryDays ${show(this.untaggedExpiryDays)} must be a whole number of at least 1.`, 'use 1 or more days, e.g. 7.');
    }
    if ((props.models ?? []).length + (props.platformImages ?? []).length === 0) {
      invalid(this, 'it has no repository: models and platformImages are both empty.', 'list at least one model or platform image.');
    }
    if (props.accountId !== undefined && !/^\d{12}$/.test(props.accountId)) {
      invalid(this, `accountId ${show(props.accountId)} is not an AWS account id.`, 'use the 12 digits of the account, e.g. "111122223333".');
    }
    this.accountId = props.accountId;
    const dnsSuffix = stack.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    this.hostPattern = new RegExp(`^(\\d{12})\\.dkr\\.ecr\\.${stack.region}\\.${dnsSuffix.replace(/\./g, '\\.')}$`);
    this.host = props.accountId ? `${props.accountId}.dkr.ecr.${stack.region}.${dnsSuffix}` : undefined;
    this.prefix = stack.naming.prefix;
    this.key = KeyRing.of(this).key('images');
    for (const m of props.models ?? []) this.modelRepositories[m] = this.repository('models', m, this.modelRepositories);
    for (const i of props.platformImages ?? []) this.platformRepositories[i] = this.repository('platform', i, this.platformRepositories);

    if (props.enhancedScanning) {
      this.scanning = new EcrRegistryScanningConfiguration(this, 'scanning', {
        scanType: 'ENHANCED',
        rule: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilter: [{ filter: `${stack.naming.prefix}/*`, filterType: 'WILDCARD' }] }],
      });
    }
    for (const p of props.pullers ?? []) this.grantPull(p);
    if (props.ci) this.grantPush(props.ci);
    registerImageRegistry(this);
  }

  /**
   * An image of one of the registry's repositories (a model's or a platform image's name), pinned by
   * tag (enough: tags are immutable) or digest.
   */
  public image(name: string, version: { readonly tag?: string; readonly digest?: string }): ContainerImage {
    const model = this.modelRepositories[name];
    const platform = this.platformRepositories[name];
    if (model && platform) invalid(this, `image ${show(name)} is both a model and a platform image.`, 'give one of the two repositories another name.');
    const repo = model ?? platform;
    if (!repo) {
      invalid(this, `image ${show(name)} has no repository.`, `use one of ${[...Object.keys(this.modelRepositories), ...Object.keys(this.platformRepositories)].join(', ')}, or add it to models or platformImages.`);
    }
    if ((version.tag === undefined) === (version.digest === undefined)) {
      invalid(this, `image ${show(name)} needs exactly one of tag and digest.`, 'pass { tag: "1.2.3" } or { digest: "sha256:<64 hex>" }.');
    }
    const suffix = version.tag !== undefined ? `:${version.tag}` : `@${version.digest}`;
    const checked = parseImageReference(`${this.prefix}/x${suffix}`);
    if (typeof checked === 'string') invalid(this, `image ${show(name)} ${checked}.`, 'use a tag such as "1.2.3" or a digest "sha256:<64 hex>".');
    if (version.tag === 'latest') invalid(this, `image ${show(name)} uses the tag "latest".`, 'tag each build with its version, e.g. "1.4.0".');
    return new ContainerImage(`${this.repositoryUrl(repo)}${suffix}`, 'registry', { repositoryName: this.names.get(repo)!, immutableTags: true });
  }

  /** Whether `ref` points into this registry: its account (when known), region and name prefix. */
  public owns(ref: ImageReference): boolean {
    const m = ref.host ? this.hostPattern.exec(ref.host) : null;
    if (!m || (this.accountId && m[1] !== this.accountId)) return false;
    return ref.repository.startsWith(`${this.prefix}/`);
  }

  /** The repository named `repositoryName` (its full name), if this registry created it. */
  public repositoryInfo(repositoryName: string): ImageRepositoryInfo | undefined {
    return this.repositoryNames.includes(repositoryName) ? { repositoryName, immutableTags: true } : undefined;
  }

  /** The repository whose URL (as {@link modelImageUrl} gives it) `ref` starts with, and the rest of `ref`. */
  public repositoryOfUrl(ref: string): { repository: ImageRepositoryInfo; rest: string } | undefined {
    for (const repo of this.repositories) {
      const url = this.repositoryUrl(repo);
      if (ref.startsWith(url) && /^[:@]/.test(ref.slice(url.length))) {
        return { repository: { repositoryName: this.names.get(repo)!, immutableTags: true }, rest: ref.slice(url.length) };
      }
    }
    return undefined;
  }

  /** Full names of every repository. */
  public get repositoryNames(): string[] {
    return this.repositories.map((r) => this.names.get(r)!);
  }

  /** The mirror of a library default image: `platform/<last path segment>` with its tag, when listed in platformImages. */
  public mirrorOf(upstream: ImageReference): ContainerImage | undefined {
    const repo = this.platformRepositories[upstream.repository.split('/').pop()!];
    if (!repo) return undefined;
    const ref = formatImageReference({ repository: 'x', tag: upstream.tag, digest: upstream.digest }).slice(1);
    return new ContainerImage(`${this.repositoryUrl(repo)}${ref}`, 'registry', { repositoryName: this.names.get(repo)!, immutableTags: true });
  }

  /** The repository URL: literal when `accountId` is known, else the repository's (deploy-time) URL. */
  private repositoryUrl(repo: EcrRepository): string {
    if (this.host) return `${this.host}/${this.names.get(repo)}`;
    if (!this.urls.has(repo)) this.urls.set(repo, repo.repositoryUrl);
    return this.urls.get(repo)!;
  }

  /** Every repository of the registry. */
  public get repositories(): EcrRepository[] {
    return [...Object.values(this.modelRepositories), ...Object.values(this.platformRepositories)];
  }

  /** The repository URL of a model's images. */
  public modelImageUrl(model: string): string {
    const r = this.modelRepositories[model];
    if (!r) invalid(this, `model ${show(model)} has no repository.`, `use one of ${Object.keys(this.modelRepositories).join(', ') || '(none)'}, or add it to models.`);
    return this.repositoryUrl(r);
  }

  /** Pull every repository (or the given ones). */
  public grantPull(principal: IGrantable, repositories: EcrRepository[] = this.repositories): void {
    principal.addToPolicy(
      { actions: PULL, resources: repositories.map((r) => r.arn) },
      { actions: ['ecr:GetAuthorizationToken'], resources: ['*'], wildcardReason: AUTH_REASON },
    );
  }

  /** Push (and pull) every repository (or the given ones). Tags are immutable, so a push never overwrites. */
  public grantPush(principal: IGrantable, repositories: EcrRepository[] = this.repositories): void {
    principal.addToPolicy(
      { actions: [...PULL, ...PUSH], resources: repositories.map((r) => r.arn) },
      { actions: ['ecr:GetAuthorizationToken'], resources: ['*'], wildcardReason: AUTH_REASON },
    );
  }

  /** The lifecycle policy of every repository: expire untagged images, keep the last N. Override to change it. */
  protected lifecyclePolicy(): Record<string, unknown> {
    return {
      rules: [
        {
          rulePriority: 1,
          description: `Expire untagged images after ${this.untaggedExpiryDays} days`,
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: this.untaggedExpiryDays },
          action: { type: 'expire' },
        },
        {
          rulePriority: 2,
          description: `Keep the last ${this.keepLastImages} images`,
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: this.keepLastImages },
          action: { type: 'expire' },
        },
      ],
    };
  }

  private repository(kind: 'models' | 'platform', name: string, existing: Record<string, EcrRepository>): EcrRepository {
    const stack = MlopsStack.of(this);
    if (existing[name]) invalid(this, `${kind === 'models' ? 'model' : 'platform image'} ${show(name)} is listed twice.`, 'list each name once.');
    checkName(this, 'k8s-name', name);
    const repoName = checkName(this, 'ecr-repository', `${stack.naming.prefix}/${kind}/${name}`);
    const id = `${kind === 'models' ? 'model' : 'platform'}_${name}`;
    const repo = new EcrRepository(this, id, {
      name: repoName,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: this.key.keyArn }],
      forceDelete: false,
      tags: kind === 'models' ? { model: name } : { 'platform-image': name },
      lifecycle: stack.profile.preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.names.set(repo, repoName);
    new EcrLifecyclePolicy(this, `${id}_lifecycle`, {
      repository: repo.name,
      policy: JSON.stringify(this.lifecyclePolicy()),
    });
    return repo;
  }
}
