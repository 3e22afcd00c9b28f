import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { ArchitectureDiagram } from '../../lib/architecture/architecture-diagram';
import { synthesize } from '../support/synth';

/** Debian's chromium (installed by .ci/run); absent locally is a skip, absent in CI a failure. */
function findChromium(): string | undefined {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const p of candidates) {
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

const chromium = findChromium();
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const ARTIFACT = path.join(__dirname, '..', '..', 'test-artifacts', 'architecture.png');

/** Runs headless chromium with no network, profile or background services. */
function runChromium(args: string[], userDataDir: string): string {
  return execFileSync(chromium!, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', `--user-data-dir=${userDataDir}`, ...args,
  ], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000, maxBuffer: 64 * 1024 * 1024 }).toString();
}

describe('architecture.html in headless Chromium', () => {
  if (!chromium) {
    if (inCi) {
      test('chromium is installed', () => {
        throw new Error(`chromium not found (looked at ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium, /usr/bin/chromium-browser'}): .ci/run must run "apt-get install -y chromium" before the tests.`);
      });
    } else {
      test.skip('chromium is not installed (apt-get install -y chromium); skipped outside CI', () => undefined);
    }
    return;
  }

  let file: string;
  let dom: string;
  let userDataDir: string;
  beforeAll(() => {
    let d: ArchitectureDiagram | undefined;
    synthesize((app) => {
      createReferencePlatform(app);
      d = ArchitectureDiagram.of(app);
    });
    file = d!.filePath!;
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-'));
    dom = runChromium(['--dump-dom', `file://${file}`], userDataDir);
  });
  afterAll(() => {
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  test('the page is self-contained: no scripts, external fonts, stylesheets or fetches', () => {
    const html = fs.readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script|<link|@import|url\(http|src="http|href="http/i);
    expect(html).toContain('Content-Security-Policy');
  });

  test('renders the title, the lifecycle phases in order and the foundation band', () => {
    expect(dom).toContain('<h1 id="title">acme-mlops-prod (prod, eu-west-1)</h1>');
    const titles = [...dom.matchAll(/<text class="phase-title"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(titles).toEqual(['1. Ingestion', '2. Validation', '3. Feature store', '4. Training', '5. Tracking &amp; registry', '6. Serving',
      '7. Monitoring', '8. Retraining', 'Platform foundation', 'Other']);
  });

  test('renders a box per construct with its class and key resources', () => {
    const names = [...dom.matchAll(/<text class="component-name"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(names).toEqual(expect.arrayContaining(['lake', 'streams', 'batch', 'quality', 'schemas', 'features', 'team_fraud', 'training_fraud_nightly',
      'experiment_tracking', 'model_registry', 'container_registry', 'alerts', 'ci', 'network', 'cluster', 'keys', 'model_approver']));
    expect(dom).toMatch(/<g class="component" data-path="mlops-prod\/mlops-prod-platform\/data\/lake" data-phase="ingestion">/);
    expect(dom).toMatch(/<text class="component-class"[^>]*>DataLake · \d+ resources<\/text>/);
    expect(dom).toMatch(/<text class="resource"[^>]*>\d+× s3_bucket<\/text>/);
    expect(dom).toMatch(/<text class="resource"[^>]*>1× CronJob<\/text>/);
  });

  test('draws arrows for data and identity flows, with a legend and a flow table', () => {
    const arrows = [...dom.matchAll(/<path class="flow (read|write|read-write|identity)" data-from="([^"]+)" data-to="([^"]+)" d="M[^"]+"/g)];
    expect(arrows.length).toBeGreaterThanOrEqual(5);
    expect(arrows.map((a) => `${a[1]} ${a[2]} -> ${a[3]}`)).toEqual(expect.arrayContaining([
      'read mlops-prod/mlops-prod-platform/data/quality -> mlops-prod/mlops-prod-platform/data/lake',
      'identity mlops-prod/mlops-prod-platform/training_fraud_nightly -> mlops-prod/mlops-prod-platform/team_fraud',
    ]));
    expect(dom).toContain('<div class="legend" id="legend">');
    expect(dom).toMatch(/<tr class="flow-row data"><td>mlops-prod\/mlops-prod-platform\/team_fraud<\/td><td>read\/write<\/td><td>mlops-prod\/mlops-prod-platform\/data\/lake<\/td>/);
  });

  test('a screenshot is saved as a test artifact', () => {
    fs.mkdirSync(path.dirname(ARTIFACT), { recursive: true });
    if (fs.existsSync(ARTIFACT)) fs.rmSync(ARTIFACT);
    runChromium([`--screenshot=${ARTIFACT}`, '--window-size=1600,1000', '--hide-scrollbars', `file://${file}`], userDataDir);
    const png = fs.readFileSync(ARTIFACT);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1600);
    expect(png.length).toBeGreaterThan(50000);
  });
});
