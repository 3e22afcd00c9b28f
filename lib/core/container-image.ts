import { IConstruct } from 'constructs';
import { invalid, show } from './errors';
import { MlopsStack } from './mlops-stack';
import { recordAcceptedImage } from '../governance/system/needs';

/** The parts of an image reference `[host[:port]/]repository[:tag][@sha256:<digest>]`. */
export interface ImageReference {
  /** Registry host (and port). @default none (Docker Hub) */
  readonly host?: string;
  /** Repository path below the host, e.g. `acme-mlops-prod/models/fraud`. */
  readonly repository: string;
  /** Tag. @default none */
  readonly tag?: string;
  /** Digest, `sha256:<64 hex>`. @default none */
  readonly digest?: string;
}

/** A repository of a registry the platform creates (see ContainerRegistry). */
export interface ImageRepositoryInfo {
  /** Repository name, e.g. `acme-mlops-prod/models/fraud`. */
  readonly repositoryName: string;
  /** Whether a tag, once pushed, can never point at another image (ECR `IMMUTABLE`). */
  readonly immutableTags: boolean;
}

/** A registry the platform creates, so that image references pointing into it resolve to its repositories. */
export interface IImageRegistry extends IConstruct {
  /** Whether `ref` points into this registry's host and repository prefix. */
  owns(ref: ImageReference): boolean;
  /** The repository named `repositoryName`, if this registry created it. */
  repositoryInfo(repositoryName: string): ImageRepositoryInfo | undefined;
  /**
   * The repository whose URL (as this registry hands it out, a deploy-time token without `accountId`)
   * `ref` starts with, and what follows it (`:<tag>` or `@<digest>`).
   */
  repositoryOfUrl(ref: string): { readonly repository: ImageRepositoryInfo; readonly rest: string } | undefined;
  /** Names of every repository of the registry, for error messages. */
  readonly repositoryNames: string[];
  /**
   * The image `<repository url>:<tag>` of the registry's mirror of a library default image, or
   * undefined when the registry has no repository for it.
   */
  mirrorOf(upstream: ImageReference): ContainerImage | undefined;
}

const HOST = /^(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|[a-zA-Z0-9-]+)(?::\d{1,5})?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Parses an image reference; returns why it is not one as a string. */
export function parseImageReference(ref: string): ImageReference | string {
  if (typeof ref !== 'string' || ref.length === 0) return 'is not an image reference';
  if (ref.includes('${')) return 'holds a Terraform expression that is not a repository URL of the platform\'s container registry';
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return `has the digest "${digest}", which is not sha256:<64 lower-case hex digits>`;
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return `has the tag "${tag}", which is not a valid tag`;
  }
  const parts = rest.split('/');
  let host: string | undefined;
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    host = parts.shift();
    if (!HOST.test(host!)) return `has the registry host "${host}", which is not a host name`;
  }
  if (parts.some((p) => !PATH_COMPONENT.test(p))) return `has the repository "${parts.join('/')}", which is not lower-case letters, digits and ._- separated by /`;
  return { host, repository: parts.join('/'), tag, digest };
}

/** Formats an image reference. */
export function formatImageReference(r: ImageReference): string {
  return `${r.host ? `${r.host}/` : ''}${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** Where an image comes from. */
export type ImageSource = 'registry' | 'external' | 'library-default';

/**
 * A container image a workload runs: from a repository of the platform's ContainerRegistry
 * (`registry.image('fraud', { tag: '1.4.0' })`), or declared external
 * (`ContainerImage.external('ghcr.io/acme/tool@sha256:...')`), which must then be pinned by digest.
 * Every construct with an `image` prop accepts it, and also a string, read as described at
 * {@link resolveImage}.
 */
export class ContainerImage {
  /** An image from outside the platform's registry. It must carry a digest (checked where it is used). */
  public static external(ref: string): ContainerImage {
    return new ContainerImage(ref, 'external');
  }

  /**
   * A library's default image (pinned by tag upstream): it runs from the platform registry's
   * `platform/<last path segment>` repository with the same tag when the registry has one (a mirror
   * CI pushes), else from upstream as it is (an accepted exception to digest pinning).
   */
  public static libraryDefault(ref: string): ContainerImage {
    return new ContainerImage(ref, 'library-default');
  }

  /** Whether `x` is a ContainerImage. */
  public static isContainerImage(x: unknown): x is ContainerImage {
    return x instanceof ContainerImage;
  }

  /**
   * @param ref the reference as pods and task definitions receive it
   * @param source where the image comes from
   * @param repository the platform repository it comes from (registry images)
   */
  constructor(
    public readonly ref: string,
    public readonly source: ImageSource,
    public readonly repository?: ImageRepositoryInfo,
  ) {}

  /** The reference. */
  public toString(): string {
    return this.ref;
  }
}

/** Whether the profile of `scope`'s stack requires external images to be pinned by digest (true outside an MlopsStack). */
function digestsRequired(scope: IConstruct): boolean {
  const stack = scope.node.scopes.find((s): s is MlopsStack => s instanceof MlopsStack);
  return stack?.profile.imageDigestsRequired ?? true;
}

/** The registries of each app, by the app's root construct. */
const REGISTRIES = new WeakMap<IConstruct, IImageRegistry[]>();

/** Makes `registry` known to every construct of its app, so image references into it resolve. */
export function registerImageRegistry(registry: IImageRegistry): void {
  const root = registry.node.root;
  const list = REGISTRIES.get(root) ?? [];
  list.push(registry);
  REGISTRIES.set(root, list);
}

/** The registries of `scope`'s app. */
export function imageRegistriesOf(scope: IConstruct): IImageRegistry[] {
  return REGISTRIES.get(scope.node.root) ?? [];
}

/**
 * The image `prop` of `scope` (the construct that runs it), validated:
 * - a {@link ContainerImage} from a registry is used as it is; a declared external one must carry a
 *   digest, unless it points into a platform registry repository whose tags are immutable;
 * - a string pointing into a platform registry (its host and repository prefix) must name one of
 *   its repositories, and is then a registry image (a tag is enough: tags are immutable);
 * - any other string is external and must be pinned by digest (`repo@sha256:<64 hex>`);
 * - a {@link ContainerImage.libraryDefault} runs from the registry's mirror when it has one.
 * In a profile with `imageDigestsRequired: false` (dev), an external image pinned by a version tag is accepted.
 * Mutable tags (`latest`) and references without tag or digest are refused everywhere.
 */
export function resolveImage(scope: IConstruct, prop: string, value: string | ContainerImage | undefined): ContainerImage {
  if (value === undefined) invalid(scope, `${prop} is missing.`, 'pass an image, e.g. registry.image("<name>", { tag: "1.0.0" }).');
  if (ContainerImage.isContainerImage(value) && value.source === 'registry') return value;
  if (ContainerImage.isContainerImage(value) && value.source === 'library-default') {
    const upstream = parseImageReference(value.ref);
    if (typeof upstream === 'string') throw new Error(`library default image ${value.ref} ${upstream}`);
    for (const r of imageRegistriesOf(scope)) {
      const mirrored = r.mirrorOf(upstream);
      if (mirrored) return mirrored;
    }
    recordAcceptedImage(scope, value.ref, 'a library default image, pinned by tag upstream: mirror it into the platform registry (platformImages) so that CI pushes what runs, or pass an image pinned by digest');
    return value;
  }
  const ref = ContainerImage.isContainerImage(value) ? value.ref : value;
  if (typeof ref === 'string' && ref.includes('${')) {
    // A deploy-time repository URL of a platform registry (modelImageUrl() without accountId), plus a tag or digest.
    for (const r of imageRegistriesOf(scope)) {
      const found = r.repositoryOfUrl(ref);
      const version = found && parseImageReference(`x${found.rest}`);
      if (!found || typeof version === 'string') continue;
      if (!version!.tag && !version!.digest) break;
      if (version!.tag === 'latest' && !version!.digest) break;
      return new ContainerImage(ref, 'registry', found.repository);
    }
  }
  const parsed = parseImageReference(ref);
  if (typeof parsed === 'string') {
    invalid(scope, `${prop} ${show(ref)} ${parsed}.`, 'use an image such as "repo/name@sha256:<digest>", or registry.image("<name>", { tag: "1.2.3" }).');
  }
  if (!parsed.tag && !parsed.digest) {
    invalid(scope, `${prop} ${show(ref)} is not pinned to a tag or digest.`, 'use an image such as "repo/name:1.2.3" or "repo/name@sha256:<digest>".');
  }
  if (parsed.tag === 'latest' && !parsed.digest) {
    invalid(scope, `${prop} ${show(ref)} uses the mutable tag "latest".`, 'pin a version tag such as "repo/name:1.2.3" or a digest.');
  }
  for (const r of imageRegistriesOf(scope)) {
    if (!r.owns(parsed)) continue;
    const repo = r.repositoryInfo(parsed.repository);
    if (!repo) {
      invalid(scope, `${prop} ${show(ref)} points into the platform registry ${r.node.path}, which has no repository "${parsed.repository}", so CI cannot push it.`,
        `add it to the registry's models or platformImages, or use one of ${r.repositoryNames.join(', ')}.`);
    }
    if (!parsed.digest && !repo.immutableTags) {
      invalid(scope, `${prop} ${show(ref)} is pinned by a tag of a repository whose tags are mutable.`, 'pin it by digest ("<repository>@sha256:<digest>").');
    }
    return new ContainerImage(ref, 'registry', repo);
  }
  if (!parsed.digest && digestsRequired(scope)) {
    invalid(scope, `${prop} ${show(ref)} does not come from the platform's container registry and is not pinned by digest, so the image that runs can change under the same tag.`,
      `pin it by digest ("${formatImageReference({ ...parsed, tag: undefined })}@sha256:<digest>"), or push it to a ContainerRegistry repository and use registry.image(...).`);
  }
  if (!parsed.digest) recordAcceptedImage(scope, ref, 'the profile accepts external images pinned by a version tag (imageDigestsRequired: false); pin them by digest before staging and prod');
  return new ContainerImage(ref, 'external');
}
