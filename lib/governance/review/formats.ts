import * as fs from 'fs';
import * as path from 'path';
import { SEVERITIES, Severity } from '../policy/model';
import { Finding } from '../policy/rule';
import { Review } from './review';

/** Output formats of the review. */
export const REVIEW_FORMATS = ['markdown', 'json', 'sarif', 'junit'] as const;
export type ReviewFormat = (typeof REVIEW_FORMATS)[number];

const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const money = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The review as Markdown, for a pull request comment. */
export function toMarkdown(r: Review): string {
  const open = r.findings.filter((f) => !f.suppressed);
  const count = (s: Severity) => open.filter((f) => f.severity === s).length;
  const out: string[] = [
    '# Platform review', '',
    `Source: \`${r.source}\`: ${r.resourceCount} Terraform resources, ${r.objectCount} Kubernetes objects.`, '',
    `**Findings:** ${SEVERITIES.map((s) => `${count(s)} ${s}`).join(', ')}; ${r.findings.length - open.length} suppressed; ${r.exceptions.length} accepted exceptions.`, '',
  ];
  for (const s of SEVERITIES) {
    const fs_ = open.filter((f) => f.severity === s);
    if (!fs_.length) continue;
    out.push(`## ${s[0].toUpperCase()}${s.slice(1)}s (${fs_.length})`, '', '| Rule | Resource | Problem | Fix | Anchor |', '|---|---|---|---|---|');
    for (const f of fs_) out.push(`| ${f.ruleId} | \`${f.path}\` | ${md(f.message)} | ${md(f.fix)} | ${md(f.anchor)} |`);
    out.push('');
  }
  const sup = r.findings.filter((f) => f.suppressed);
  if (sup.length) {
    out.push('## Suppressed findings', '', '| Rule | Resource | Reason |', '|---|---|---|');
    for (const f of sup) out.push(`| ${f.ruleId} | \`${f.path}\` | ${md(f.suppressed!)} |`);
    out.push('');
  }
  if (r.exceptions.length) {
    out.push('## Accepted exceptions', '', 'Deviations accepted by design or known checkov deviations, each with its reason (not failures).', '',
      '| Rule | Resource | Deviation | Reason |', '|---|---|---|---|');
    for (const e of r.exceptions) out.push(`| ${e.ruleId} | \`${e.address}\` (\`${e.path}\`) | ${md(e.message)} | ${md(e.reason)} |`);
    out.push('');
  }
  out.push('## IAM roles', '');
  for (const role of r.roles) {
    out.push(`### ${role.name} (\`${role.address}\`)`, '', `Trusted by: ${role.trustedBy.map((t) => `\`${t}\``).join(', ') || 'nobody'}`, '');
    for (const p of role.permissions) out.push(`- ${md(p)}`);
    out.push('');
  }
  out.push('## Account-wide settings this platform changes', '', ...(r.accountWide.length ? r.accountWide.map((a) => `- \`${a.address}\`: ${md(a.setting)}`) : ['None.']), '');
  out.push('## Flows', '', r.declaredNeeds ? 'From the system model (declared needs of the grants included).' : 'From the system model; the declared needs of the grants were not available (plan file, or no policy pack at synth), so data flows and IAM needs are not listed.', '',
    '| Kind | From | To | Status | Detail |', '|---|---|---|---|---|', ...r.flows.map((f) => `| ${f.kind} | ${md(f.from)} | ${md(f.to)} | ${f.status === 'broken' ? '**broken**' : f.status} | ${md(f.detail)} |`), '');
  out.push('## Public endpoints', '', ...(r.publicEndpoints.length ? r.publicEndpoints.map((e) => `- \`${e.address}\`: ${e.what}`) : ['None.']), '');
  out.push('## Encryption of data stores', '', '| Store | Resource | Encryption |', '|---|---|---|', ...r.encryption.map((e) => `| ${e.store} | \`${e.address}\` | ${md(e.encryption)} |`), '');
  out.push('## Images and charts', '', ...(r.images.length ? r.images.map((i) => `- \`${i.image}\` (${i.usedBy.join(', ')})`) : ['No container images.']), '',
    ...(r.charts.length ? ['| Chart | Version | Repository | Resource |', '|---|---|---|---|', ...r.charts.map((c) => `| ${c.chart} | ${c.version} | ${c.repository} | \`${c.address}\` |`)] : ['No Helm charts.']), '');
  out.push('## Compliance controls', '', '| Control | Status | Anchor | Implemented by | Note |', '|---|---|---|---|---|',
    ...r.compliance.map((c) => `| ${c.id} ${md(c.title)} | ${c.status} | ${md(c.anchor)} | ${c.resources.map((x) => `\`${x}\``).join(', ') || '-'} | ${md(c.note)} |`), '');
  out.push('## Estimated monthly cost', '', `Price table: ${r.cost.priceTable}. Estimates, not quotes; usage-based items are shown as rates.`, '',
    '| Item | Resource | Baseline | Ceiling | Basis |', '|---|---|---|---|---|',
    ...r.cost.lines.map((l) => `| ${md(l.item)} | \`${l.address}\` | ${money(l.baselineMonthly)} | ${money(l.ceilingMonthly)} | ${md(l.basis)} |`),
    `| **Total** | | **${money(r.cost.baselineMonthly)}** | **${money(r.cost.ceilingMonthly)}** | |`, '');
  return out.join('\n');
}

/** The review as JSON. */
export function toJson(r: Review): string {
  const { rules, ...rest } = r;
  return JSON.stringify({ ...rest, rules: rules.map(({ id, title, severity, anchor, fix }) => ({ id, title, severity, anchor, fix })) }, null, 2);
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note' };

/** Line of a resource in its stack's cdk.tf.json (1-based), for code-scanning annotations. */
function locate(r: Review, f: Finding): { uri: string; line: number } {
  const src = r.source;
  const file = fs.existsSync(src) && fs.statSync(src).isDirectory() ? path.join(src, 'stacks', f.stack, 'cdk.tf.json') : src;
  const uri = path.relative(process.cwd(), file).split(path.sep).join('/');
  try {
    const text = fs.readFileSync(file, 'utf8');
    const [type, ...rest] = f.address.split('.');
    const name = rest.join('.');
    const t = text.indexOf(`"${type}"`);
    let i = t >= 0 ? text.indexOf(`"${name}"`, t) : -1;
    if (i < 0) i = text.indexOf(`"${f.address}"`);
    return { uri, line: i < 0 ? 1 : text.slice(0, i).split('\n').length };
  } catch {
    return { uri, line: 1 };
  }
}

/** The findings as SARIF 2.1.0 (GitHub code scanning). */
export function toSarif(r: Review, version = '0.1.0'): string {
  const ruleIndex = new Map(r.rules.map((x, i) => [x.id, i]));
  return JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'cdktf-mlops review',
          version,
          informationUri: 'https://github.com/acme/cdktf-mlops/blob/main/docs/policy-rules.md',
          rules: r.rules.map((x) => ({
            id: x.id,
            name: x.title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')),
            shortDescription: { text: x.title },
            fullDescription: { text: `${x.title} (${x.anchor}).` },
            help: { text: `Fix: ${x.fix}`, markdown: `**Fix:** ${x.fix}\n\nAnchor: ${x.anchor}` },
            helpUri: `https://github.com/acme/cdktf-mlops/blob/main/docs/policy-rules.md#${x.id.toLowerCase()}`,
            defaultConfiguration: { level: SARIF_LEVEL[x.severity] },
            properties: { anchor: x.anchor, tags: ['security', 'iac'] },
          })),
        },
      },
      results: r.findings.map((f) => {
        const loc = locate(r, f);
        return {
          ruleId: f.ruleId,
          ruleIndex: ruleIndex.get(f.ruleId) ?? -1,
          level: SARIF_LEVEL[f.severity],
          message: { text: `[${f.path}] ${f.message} Fix: ${f.fix}` },
          locations: [{
            physicalLocation: { artifactLocation: { uri: loc.uri }, region: { startLine: loc.line } },
            logicalLocations: [{ fullyQualifiedName: f.address, name: f.path, kind: 'resource' }],
          }],
          partialFingerprints: { 'cdktfMlops/v1': `${f.ruleId}:${f.stack}:${f.address}` },
          ...(f.suppressed ? { suppressions: [{ kind: 'external', justification: f.suppressed }] } : {}),
        };
      }),
    }],
  }, null, 2);
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The policy evaluation as JUnit XML: one test case per rule and failing resource, a passing case per clean rule. */
export function toJunit(r: Review): string {
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  for (const rule of r.rules) {
    const fs_ = r.findings.filter((f) => f.ruleId === rule.id);
    if (!fs_.length) cases.push(`    <testcase classname="${xml(rule.id)}" name="${xml(rule.title)}"/>`);
    for (const f of fs_) {
      const head = `    <testcase classname="${xml(rule.id)}" name="${xml(f.address)}">`;
      if (f.suppressed) {
        skipped++;
        cases.push(`${head}<skipped message="suppressed: ${xml(f.suppressed)}"/></testcase>`);
      } else {
        failures++;
        cases.push(`${head}<failure type="${f.severity}" message="${xml(f.message)}">${xml(`[${f.path}] ${f.message} Fix: ${f.fix} (${f.anchor})`)}</failure></testcase>`);
      }
    }
  }
  return ['<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cdktf-mlops review" tests="${cases.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="policy pack" tests="${cases.length}" failures="${failures}" skipped="${skipped}" errors="0">`,
    ...cases, '  </testsuite>', '</testsuites>', ''].join('\n');
}

/** Renders `r` in `format`. */
export function renderReview(r: Review, format: ReviewFormat): string {
  switch (format) {
    case 'markdown': return toMarkdown(r);
    case 'json': return toJson(r);
    case 'sarif': return toSarif(r);
    case 'junit': return toJunit(r);
  }
}
