import * as fs from 'fs';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { createReferencePlatform } from '../../examples/enterprise-platform/platform';
import { ArchitectureDiagram } from '../../lib/architecture/architecture-diagram';
import { DiagramFlow, renderArchitectureHtml } from '../../lib/architecture/architecture-html';
import { CHROMIUM_LOOKED_AT, findChromium, launchChromium } from '../support/chromium';
import { synthesize } from '../support/synth';

/** The Chromium inside the @sparticuz/chromium devDependency (or CHROMIUM_PATH, or Debian's); none locally is a skip, none in CI a failure. */
const chromium = findChromium();
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const ARTIFACT = path.join(__dirname, '..', '..', 'test-artifacts', 'architecture.png');

/**
 * Measures the rendered page: the font size of every visible text at its rendered scale (labels under
 * 11 px), every flow and lifecycle arrow sampled every 2 units against the boxes of every SVG label (crossings), and
 * the drawn style of broken flows. Writes JSON into <pre id="measure">.
 */
const MEASURE = `(() => {
  const out = { viewport: innerWidth, labels: 0, small: [], flows: 0, crossings: [], broken: [] };
  for (const el of document.querySelectorAll('body *')) {
    if (['SCRIPT', 'STYLE', 'title'].includes(el.tagName) || el.closest('title')) continue;
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    out.labels++;
    const svg = el.closest('svg');
    const px = parseFloat(getComputedStyle(el).fontSize) * (svg ? svg.getBoundingClientRect().width / svg.viewBox.baseVal.width : 1);
    if (px < 11 - 1e-6) out.small.push(el.tagName + ' ' + px.toFixed(2) + 'px ' + el.textContent.trim().slice(0, 40));
  }
  const labels = [...document.querySelectorAll('svg text')].map((t) => ({ t, r: t.getBoundingClientRect() }));
  for (const p of document.querySelectorAll('svg path.flow, svg path.lifecycle')) {
    if (p.classList.contains('flow')) out.flows++;
    const ctm = p.getScreenCTM();
    const len = p.getTotalLength();
    for (let l = 0; l <= len; l += 2) {
      const q = new DOMPoint(p.getPointAtLength(l).x, p.getPointAtLength(l).y).matrixTransform(ctm);
      const hit = labels.find(({ r }) => q.x > r.left + 0.5 && q.x < r.right - 0.5 && q.y > r.top + 0.5 && q.y < r.bottom - 0.5);
      if (hit) { out.crossings.push((p.dataset.from ? p.dataset.from + ' -> ' + p.dataset.to : 'lifecycle arrow') + ' crosses "' + hit.t.textContent + '"'); break; }
    }
  }
  for (const p of document.querySelectorAll('svg path.flow.broken')) {
    const s = getComputedStyle(p);
    out.broken.push({ stroke: s.stroke, dash: s.strokeDasharray, title: p.querySelector('title').textContent });
  }
  const pre = document.createElement('pre');
  pre.id = 'measure';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();`;

/** Headless Chromium's default window, as `chromium --headless --dump-dom` renders without --window-size. */
const DEFAULT_WINDOW = { width: 800, height: 600 };

/** Loads url in a new page of the given size and returns the DOM once loaded, as `chromium --dump-dom` prints it. */
async function dumpDom(browser: Browser, url: string, viewport = DEFAULT_WINDOW): Promise<string> {
  const page = await browser.newPage({ viewport });
  try {
    await page.goto(url, { waitUntil: 'load' });
    return (await page.evaluate('document.documentElement.outerHTML')) as string;
  } finally {
    await page.close();
  }
}

/** Saves a PNG of the window (not the full page), as `chromium --screenshot --window-size=W,H --hide-scrollbars` does. */
async function screenshot(browser: Browser, url: string, file: string, viewport: { width: number; height: number }): Promise<void> {
  const page = await browser.newPage({ viewport });
  try {
    await page.goto(url, { waitUntil: 'load' });
    await page.screenshot({ path: file });
  } finally {
    await page.close();
  }
}

describe('architecture.html in headless Chromium', () => {
  if (!chromium) {
    if (inCi) {
      test('a Chromium is available', () => {
        throw new Error(`no Chromium found (looked at ${CHROMIUM_LOOKED_AT}): run "npm ci" first; @sparticuz/chromium ships one for Linux x64.`);
      });
    } else {
      test.skip(`no Chromium found (looked at ${CHROMIUM_LOOKED_AT}); skipped outside CI`, () => undefined);
    }
    return;
  }

  let file: string;
  let diagram: ArchitectureDiagram;
  let dom: string;
  let browser: Browser | undefined;
  beforeAll(async () => {
    let d: ArchitectureDiagram | undefined;
    synthesize((app) => {
      createReferencePlatform(app);
      d = ArchitectureDiagram.of(app);
    });
    diagram = d!;
    file = d!.filePath!;
    browser = await launchChromium(chromium);
    dom = await dumpDom(browser, `file://${file}`);
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('the page is self-contained: no scripts, external fonts, stylesheets or fetches', () => {
    const html = fs.readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script|<link|@import|url\(http|src="http|href="http/i);
    expect(html).toContain('Content-Security-Policy');
  });

  test('renders the title, the lifecycle phases in order and the foundation band', () => {
    expect(dom).toContain('<h1 id="title">acme-mlops-prod (prod, eu-west-1)</h1>');
    const titles = [...dom.matchAll(/<text class="phase-title"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(titles).toEqual(['1. Ingestion', '2. Validation', '3. Feature store', '4. Training', '5. Tracking &amp; registry', '6. Approval &amp; promotion',
      '7. Serving', '8. Monitoring', '9. Drift', '10. Retraining', 'Platform foundation']);
    // nothing of the reference platform falls into "Other": the approver and the queued retraining have their phases
    expect(dom).toMatch(/<g class="component" data-path="mlops-prod\/mlops-prod-platform\/model_approver" data-phase="approval">/);
    expect(dom).toMatch(/<g class="component" data-path="mlops-prod\/mlops-prod-platform\/retraining_fraud_retrain" data-phase="retraining">/);
    expect(dom).toMatch(/<g class="component" data-path="mlops-prod\/mlops-prod-platform\/drift_fraud" data-phase="drift">/);
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
    const arrows = [...dom.matchAll(/<path class="flow (read|write|read-write|identity)" data-from="([^"]+)" data-to="([^"]+)" data-status="verified" d="M[^"]+"/g)];
    expect(arrows.length).toBeGreaterThanOrEqual(5);
    expect(arrows.map((a) => `${a[1]} ${a[2]} -> ${a[3]}`)).toEqual(expect.arrayContaining([
      'read mlops-prod/mlops-prod-platform/data/quality -> mlops-prod/mlops-prod-platform/data/lake',
      'identity mlops-prod/mlops-prod-platform/training_fraud_nightly -> mlops-prod/mlops-prod-platform/team_fraud',
    ]));
    expect(dom).toContain('<div class="legend" id="legend">');
    expect(dom).toMatch(/<tr class="flow-row data"><td>mlops-prod\/mlops-prod-platform\/team_fraud<\/td><td>read\/write<\/td><td>mlops-prod\/mlops-prod-platform\/data\/lake<\/td><td>[^<]*<\/td><td>verified<\/td>/);
  });

  test('legible at 1600 px: no label under 11 px, no flow crossing a label, a viewport meta; a broken flow is drawn dashed red with its reason', async () => {
    // The page as written, plus a measuring script (the page itself has none and forbids them), with one flow marked broken.
    const model = diagram.model!;
    const brokenFlow = model.flows.find((f) => f.from.endsWith('/data/quality') && f.to.endsWith('/data/lake'))!;
    const flows: DiagramFlow[] = model.flows.map((f) => (f === brokenFlow ? { ...f, status: 'broken', reason: 'the rules table is not in the catalog' } : f));
    const html = renderArchitectureHtml({ ...model, flows });
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    const measured = path.join(path.dirname(file), 'architecture-measured.html');
    fs.writeFileSync(measured, html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('</body>', `<script>${MEASURE}</script></body>`));
    const out = await dumpDom(browser!, `file://${measured}`, { width: 1600, height: 1000 });
    const m = JSON.parse(/<pre id="measure">([^<]*)<\/pre>/.exec(out)![1].replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
    expect(m.viewport).toBe(1600);
    expect(m.labels).toBeGreaterThan(100);
    expect(m.small).toEqual([]);
    expect(m.flows).toBeGreaterThanOrEqual(10);
    expect(m.crossings).toEqual([]);
    expect(m.broken).toEqual([{ stroke: 'rgb(220, 38, 38)', dash: '2px, 4px', title: expect.stringContaining('BROKEN (the rules table is not in the catalog)') }]);
    expect(out).toMatch(/<tr class="flow-row data broken"><td>mlops-prod\/mlops-prod-platform\/data\/quality<\/td>.*<td>broken: the rules table is not in the catalog<\/td><\/tr>/);
  });

  test('a screenshot is saved as a test artifact', async () => {
    fs.mkdirSync(path.dirname(ARTIFACT), { recursive: true });
    if (fs.existsSync(ARTIFACT)) fs.rmSync(ARTIFACT);
    await screenshot(browser!, `file://${file}`, ARTIFACT, { width: 1600, height: 1000 });
    const png = fs.readFileSync(ARTIFACT);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1600);
    expect(png.length).toBeGreaterThan(50000);
  });
});
