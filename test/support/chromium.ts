import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { execFileSync } from 'child_process';
import { pipeline } from 'stream/promises';
import { Browser, chromium as playwrightChromium } from 'playwright-core';

/**
 * A Chromium for the browser tests, found without downloading anything:
 * - CHROMIUM_PATH, when set (and only it);
 * - else the headless Chromium shipped inside the pinned devDependency @sparticuz/chromium (Linux x64; its bin/ holds
 *   the Brotli-compressed binary and the NSS libraries it links to), unpacked once into node_modules/.cache;
 * - else Debian's /usr/bin/chromium or /usr/bin/chromium-browser.
 */
export interface ChromiumSource {
  readonly kind: 'CHROMIUM_PATH' | '@sparticuz/chromium' | 'system';
  /** The executable, or for @sparticuz/chromium the package's bin/ folder (unpacked by launchChromium). */
  readonly path: string;
  readonly version?: string;
}

/** Where the browser was looked for, for the message when none is found. */
export const CHROMIUM_LOOKED_AT = process.env.CHROMIUM_PATH
  ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH}`
  : '@sparticuz/chromium in node_modules (Linux x64; installed by npm ci), /usr/bin/chromium, /usr/bin/chromium-browser';

export function findChromium(): ChromiumSource | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fs.existsSync(fromEnv) ? { kind: 'CHROMIUM_PATH', path: fromEnv } : undefined;
  const bundled = bundledChromium();
  if (bundled) return bundled;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (fs.existsSync(p)) return { kind: 'system', path: p };
  }
  return undefined;
}

function bundledChromium(): ChromiumSource | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  let entry: string;
  try {
    entry = require.resolve('@sparticuz/chromium');
  } catch {
    return undefined;
  }
  // entry is <package>/build/cjs/index.cjs
  const pkgDir = path.resolve(path.dirname(entry), '..', '..');
  const bin = path.join(pkgDir, 'bin');
  if (!fs.existsSync(path.join(bin, 'chromium.br')) || !fs.existsSync(path.join(bin, 'al2023.tar.br'))) return undefined;
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  return { kind: '@sparticuz/chromium', path: bin, version };
}

/**
 * Unpacks the package's chromium.br and al2023.tar.br (lib/: libnss3, libnspr4, libexpat and their kin) into
 * node_modules/.cache/cdktf-mlops/chromium-<version>, once: later runs reuse it, npm ci removes it. Built in a
 * temporary folder and renamed into place, so an interrupted or concurrent run never leaves a half-written binary.
 */
async function unpackBundled(source: ChromiumSource): Promise<{ executable: string; libDir: string }> {
  const nodeModules = path.resolve(source.path, '..', '..', '..');
  const dir = path.join(nodeModules, '.cache', 'cdktf-mlops', `chromium-${source.version}`);
  const result = { executable: path.join(dir, 'chromium'), libDir: path.join(dir, 'lib') };
  if (fs.existsSync(dir)) return result;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = fs.mkdtempSync(`${dir}.partial-`);
  try {
    fs.chmodSync(tmp, 0o755);
    const unbrotli = (from: string, to: string, mode: number) =>
      pipeline(fs.createReadStream(path.join(source.path, from)), zlib.createBrotliDecompress(), fs.createWriteStream(path.join(tmp, to), { mode }));
    await Promise.all([unbrotli('chromium.br', 'chromium', 0o755), unbrotli('al2023.tar.br', 'al2023.tar', 0o644)]);
    execFileSync('tar', ['-xf', 'al2023.tar'], { cwd: tmp, stdio: 'pipe' });
    fs.rmSync(path.join(tmp, 'al2023.tar'));
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(dir)) throw e; // else another run unpacked it first
  }
  return result;
}

/** Launches headless Chromium with no sandbox, GPU, network services or first-run work; a fresh temporary profile. */
export async function launchChromium(source: ChromiumSource): Promise<Browser> {
  let executablePath = source.path;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  if (source.kind === '@sparticuz/chromium') {
    const { executable, libDir } = await unpackBundled(source);
    executablePath = executable;
    env.LD_LIBRARY_PATH = [libDir, ...(env.LD_LIBRARY_PATH ? [env.LD_LIBRARY_PATH] : [])].join(':');
  }
  return playwrightChromium.launch({
    executablePath,
    env,
    headless: true,
    timeout: 60000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
