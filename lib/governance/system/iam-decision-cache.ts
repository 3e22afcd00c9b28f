import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * IAM decisions remembered across synths. A decision is a pure function of its inputs (the identity's
 * policies and boundary, the resource policy, the request and the engine's version), so each is stored
 * under a hash of all of them: a changed policy, request or engine version is a new key, never a stale
 * answer. The file lives in `CDKTF_MLOPS_CACHE_DIR`, by default the user's own cache directory
 * (`$XDG_CACHE_HOME` or `~/.cache`, then `cdktf-mlops`), created readable by its owner only: a shared
 * directory such as /tmp would let another user plant answers. `CDKTF_MLOPS_CACHE=off` turns it off.
 * Writes are atomic (temp file + rename) and merge what other processes (jest workers, parallel
 * synths) wrote meanwhile.
 */
export class IamDecisionCache {
  /** The process-wide cache for `engineVersion`, or none when turned off. */
  public static forEngine(engineVersion: string): IamDecisionCache | undefined {
    if (process.env.CDKTF_MLOPS_CACHE === 'off') return undefined;
    let c = IamDecisionCache.caches.get(engineVersion);
    if (!c) {
      const dir = process.env.CDKTF_MLOPS_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cdktf-mlops');
      IamDecisionCache.caches.set(engineVersion, c = new IamDecisionCache(path.join(dir, `iam-decisions-${engineVersion.replace(/[^A-Za-z0-9.@-]/g, '_')}.json`)));
    }
    return c;
  }

  private static readonly caches = new Map<string, IamDecisionCache>();
  /** Entries at which the file is started afresh (bounded size). */
  private static readonly MAX_ENTRIES = 200_000;

  private entries?: Map<string, string>;
  private readonly added = new Map<string, string>();
  private exitHook = false;

  constructor(public readonly file: string) {}

  /** A key for a decision: a hash of every input, as text. */
  public static key(...parts: string[]): string {
    return crypto.createHash('sha256').update(parts.join('\u0000')).digest('base64url');
  }

  /** The hash of a document (policy), computed once per document object. */
  public static digest(doc: unknown): string {
    if (doc === undefined) return '-';
    const known = docDigests.get(doc as object);
    if (known) return known;
    const d = crypto.createHash('sha256').update(JSON.stringify(doc)).digest('base64url');
    if (doc && typeof doc === 'object') docDigests.set(doc as object, d);
    return d;
  }

  public get(key: string): string | undefined {
    return this.load().get(key);
  }

  public set(key: string, result: string): void {
    this.load().set(key, result);
    this.added.set(key, result);
    if (!this.exitHook) {
      this.exitHook = true;
      process.once('exit', () => this.save());
    }
  }

  /** Writes what this process added, merged with the file as it is now. */
  public save(): void {
    if (this.added.size === 0) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const now = readEntries(this.file);
      const merged = now.size + this.added.size > IamDecisionCache.MAX_ENTRIES ? new Map(this.added) : new Map([...now, ...this.added]);
      const tmp = `${this.file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(merged)), { mode: 0o600 });
      fs.renameSync(tmp, this.file);
      this.added.clear();
    } catch {
      // A cache that cannot be written only costs time: the next synth evaluates again.
    }
  }

  private load(): Map<string, string> {
    return this.entries ??= readEntries(this.file);
  }
}

const docDigests = new WeakMap<object, string>();

function readEntries(file: string): Map<string, string> {
  try {
    // Only a file of this user, writable by nobody else, is trusted.
    const st = fs.statSync(file);
    if ((typeof process.getuid === 'function' && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) return new Map();
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    return new Map(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return new Map();
  }
}
