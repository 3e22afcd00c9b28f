import { ArchitectureComponent, ArchitectureFlow, ArchitectureModel } from './architecture-model';
import { LIFECYCLE_PHASES, LifecyclePhase } from './lifecycle-phases';
import { groupBy } from '../core/collections';

/** Resource types named first in a box, most important first. */
const IMPORTANT = ['aws_s3_bucket', 'aws_eks_cluster', 'aws_kinesis_stream', 'aws_glue_catalog_database', 'aws_glue_catalog_table', 'aws_dynamodb_table',
  'aws_db_instance', 'aws_rds_cluster', 'aws_sagemaker_model_package_group', 'aws_ecr_repository', 'aws_sfn_state_machine', 'aws_lambda_function',
  'aws_sns_topic', 'aws_cloudwatch_metric_alarm', 'aws_iam_role', 'aws_kms_key', 'aws_vpc', 'Deployment', 'CronJob', 'Job', 'StatefulSet', 'Service', 'Namespace'];

const COL_W = 210;
const GAP = 34;
const MARGIN = 20;
const HEAD = 34;
const LINE = 15;
const BOX_HEAD = 34;
const MAX_LINES = 6;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));
const short = (t: string) => t.replace(/^aws_/, '');
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Lines summarising a component's resources: counts per type, important types first. */
export function summarizeResources(c: ArchitectureComponent): string[] {
  const byType = groupBy(c.resources, (r) => r.type);
  const rank = (t: string) => (IMPORTANT.includes(t) ? IMPORTANT.indexOf(t) : IMPORTANT.length);
  const types = [...byType.keys()].sort((a, b) => rank(a) - rank(b) || byType.get(b)!.length - byType.get(a)!.length || a.localeCompare(b));
  const lines = types.map((t) => `${byType.get(t)!.length}× ${short(t)}`);
  if (lines.length > MAX_LINES) return [...lines.slice(0, MAX_LINES - 1), `+ ${lines.length - MAX_LINES + 1} more types`];
  return lines;
}

interface Box { c: ArchitectureComponent; x: number; y: number; w: number; h: number; lines: string[] }

/** One lifecycle diagram (SVG) of a group of components, e.g. one platform. */
function renderSvg(components: ArchitectureComponent[], flows: ArchitectureFlow[], label: string, n: number): { svg: string; drawn: number } {
  const lanes = LIFECYCLE_PHASES.filter((p) => p.phase !== 'foundation' && p.phase !== 'other');
  const width = MARGIN * 2 + lanes.length * COL_W + (lanes.length - 1) * GAP;
  const boxes = new Map<string, Box>();
  const boxHeight = (lines: string[]) => BOX_HEAD + lines.length * LINE + 8;

  let lanesBottom = MARGIN + HEAD + 10;
  lanes.forEach((lane, i) => {
    let y = MARGIN + HEAD + 10;
    const x = MARGIN + i * (COL_W + GAP) + 8;
    for (const c of components.filter((k) => k.phase === lane.phase)) {
      const lines = summarizeResources(c);
      const h = boxHeight(lines);
      boxes.set(c.path, { c, x, y, w: COL_W - 16, h, lines });
      y += h + 14;
    }
    lanesBottom = Math.max(lanesBottom, y);
  });
  lanesBottom += 10;

  const bands: Array<{ phase: LifecyclePhase; title: string; y: number; h: number }> = [];
  let y = lanesBottom + 24;
  for (const band of LIFECYCLE_PHASES.filter((p) => p.phase === 'foundation' || p.phase === 'other')) {
    const members = components.filter((k) => k.phase === band.phase);
    if (members.length === 0 && band.phase === 'other') continue;
    const perRow = lanes.length;
    let rowY = y + HEAD;
    let rowH = 0;
    members.forEach((c, i) => {
      if (i > 0 && i % perRow === 0) {
        rowY += rowH + 14;
        rowH = 0;
      }
      const lines = summarizeResources(c);
      const h = boxHeight(lines);
      boxes.set(c.path, { c, x: MARGIN + (i % perRow) * (COL_W + GAP) + 8, y: rowY, w: COL_W - 16, h, lines });
      rowH = Math.max(rowH, h);
    });
    const h = rowY + rowH + 14 - y;
    bands.push({ phase: band.phase, title: band.title, y, h: Math.max(h, HEAD + 30) });
    y += Math.max(h, HEAD + 30) + 20;
  }
  const height = y + MARGIN;

  const svg: string[] = [];
  svg.push(`<svg xmlns="http://www.w3.org/2000/svg" class="diagram" data-group="${esc(label)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(label)} architecture">`);
  svg.push('<defs>',
    `<marker id="arrow-read-${n}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#2563eb"/></marker>`,
    `<marker id="arrow-write-${n}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#ea580c"/></marker>`,
    `<marker id="arrow-read-write-${n}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#9333ea"/></marker>`,
    `<marker id="arrow-identity-${n}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#0f766e"/></marker>`,
    '</defs>');
  lanes.forEach((lane, i) => {
    const x = MARGIN + i * (COL_W + GAP);
    svg.push(`<g class="phase" data-phase="${lane.phase}"><rect class="lane" x="${x}" y="${MARGIN}" width="${COL_W}" height="${lanesBottom - MARGIN}" rx="10"/>`,
      `<text class="phase-title" x="${x + COL_W / 2}" y="${MARGIN + 22}" text-anchor="middle">${i + 1}. ${esc(lane.title)}</text></g>`);
    if (i < lanes.length - 1) svg.push(`<path class="lifecycle" d="M${x + COL_W + 4},${MARGIN + 17} l${GAP - 8},0" marker-end="url(#arrow-identity-${n})"/>`);
  });
  for (const b of bands) {
    svg.push(`<g class="phase band" data-phase="${b.phase}"><rect class="lane ${b.phase}" x="${MARGIN}" y="${b.y}" width="${width - 2 * MARGIN}" height="${b.h}" rx="10"/>`,
      `<text class="phase-title" x="${MARGIN + 14}" y="${b.y + 22}">${esc(b.title)}</text></g>`);
  }

  // Flows: drawn between lifecycle boxes; grants on foundation components (keys, network) are listed in the table only.
  const drawn = flows.filter((f) => boxes.has(f.from) && boxes.has(f.to) && boxes.get(f.to)!.c.phase !== 'foundation' && boxes.get(f.from)!.c.phase !== 'foundation');
  const flowClass = (f: ArchitectureFlow) => (f.kind === 'identity' ? 'identity' : f.verbs.replace('/', '-'));
  for (const f of drawn) {
    const a = boxes.get(f.from)!;
    const b = boxes.get(f.to)!;
    let d: string;
    if (Math.abs(a.x - b.x) < 1) {
      const x = a.x + a.w;
      const y1 = a.y + a.h / 2;
      const y2 = b.y + b.h / 2;
      d = `M${x},${y1} C${x + 30},${y1} ${x + 30},${y2} ${x},${y2}`;
    } else {
      const right = b.x > a.x;
      const x1 = right ? a.x + a.w : a.x;
      const x2 = right ? b.x : b.x + b.w;
      const y1 = a.y + Math.min(a.h - 6, 22);
      const y2 = b.y + Math.min(b.h - 6, 26);
      const k = Math.max(30, Math.abs(x2 - x1) / 3) * (right ? 1 : -1);
      d = `M${x1},${y1} C${x1 + k},${y1} ${x2 - k},${y2} ${x2},${y2}`;
    }
    svg.push(`<path class="flow ${flowClass(f)}" data-from="${esc(f.from)}" data-to="${esc(f.to)}" d="${d}" marker-end="url(#arrow-${flowClass(f)}-${n})"><title>${esc(`${f.from} → ${f.to}: ${f.verbs} (${f.details.join(', ')})`)}</title></path>`);
  }

  for (const b of boxes.values()) {
    svg.push(`<g class="component" data-path="${esc(b.c.path)}" data-phase="${b.c.phase}"><title>${esc(`${b.c.path} (${b.c.className})\n${b.c.resources.map((r) => r.address).join('\n')}`)}</title>`,
      `<rect class="box ${b.c.phase}" x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="6"/>`,
      `<text class="component-name" x="${b.x + 8}" y="${b.y + 15}">${esc(clip(b.c.id, 26))}</text>`,
      `<text class="component-class" x="${b.x + 8}" y="${b.y + 28}">${esc(clip(`${b.c.className} · ${b.c.resources.length} resources`, 31))}</text>`);
    b.lines.forEach((l, i) => svg.push(`<text class="resource" x="${b.x + 10}" y="${b.y + BOX_HEAD + 10 + i * LINE}">${esc(clip(l, 28))}</text>`));
    svg.push('</g>');
  }
  svg.push('</svg>');
  return { svg: svg.join('\n'), drawn: drawn.length };
}

/** Renders the model as one self-contained HTML page (inline SVG and CSS, no scripts, fonts or fetches). */
export function renderArchitectureHtml(model: ArchitectureModel): string {
  const groups = model.groups.map((g) => g.path);
  let drawnTotal = 0;
  const diagrams = groups.map((g, i) => {
    const members = model.components.filter((c) => c.group === g);
    const paths = new Set(members.map((c) => c.path));
    const r = renderSvg(members, model.flows.filter((f) => paths.has(f.from) && paths.has(f.to)), g, i);
    drawnTotal += r.drawn;
    return (groups.length > 1 ? `<h2 class="group">${esc(model.groups[i].title)}</h2>\n` : '') + r.svg;
  });

  const rows = model.flows.map((f) => `<tr class="flow-row ${f.kind}"><td>${esc(f.from)}</td><td>${esc(f.verbs)}</td><td>${esc(f.to)}</td><td>${esc(f.details.join(', '))}</td></tr>`);
  const details = model.components.map((c) => `<details><summary>${esc(c.path)} <small>${esc(c.className)} · ${c.phase}</small></summary><ul>${c.resources.map((r) => `<li>${esc(r.address)}</li>`).join('')}</ul></details>`);
  const phasesUsed = LIFECYCLE_PHASES.filter((p) => model.components.some((c) => c.phase === p.phase)).map((p) => p.title);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(model.title)} · architecture</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:16px;color:#0f172a;background:#f8fafc}
h1{font-size:20px;margin:0 0 4px} .sub{color:#475569;font-size:13px;margin-bottom:10px}
.diagram{display:block;margin-bottom:8px;max-width:100%;height:auto;background:#fff;border:1px solid #e2e8f0;border-radius:8px}
.lane{fill:#f1f5f9;stroke:#cbd5e1} .lane.foundation{fill:#eef2ff;stroke:#c7d2fe} .lane.other{fill:#fef9c3;stroke:#fde68a}
.phase-title{font-size:14px;font-weight:700;fill:#334155}
.box{fill:#fff;stroke:#64748b;stroke-width:1.2} .box.foundation{stroke:#6366f1} .box.other{stroke:#ca8a04}
.component-name{font-size:12.5px;font-weight:700;fill:#0f172a} .component-class{font-size:10.5px;fill:#64748b} .resource{font-size:10.5px;fill:#334155;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
.flow{fill:none;stroke-width:1.6;opacity:.85} .flow.read{stroke:#2563eb} .flow.write{stroke:#ea580c} .flow.read-write{stroke:#9333ea} .flow.identity{stroke:#0f766e;stroke-dasharray:5 3}
.lifecycle{stroke:#94a3b8;stroke-width:1.5;fill:none}
.legend{display:flex;gap:18px;font-size:12.5px;margin:10px 0;flex-wrap:wrap} .legend span{display:inline-flex;align-items:center;gap:6px}
.sw{display:inline-block;width:26px;height:0;border-top:2px solid}
table{border-collapse:collapse;font-size:12px;background:#fff} td,th{border:1px solid #e2e8f0;padding:3px 6px;text-align:left;vertical-align:top}
details{font-size:12px} h2{font-size:15px;margin:16px 0 6px}
</style></head><body>
<h1 id="title">${esc(model.title)}</h1>
<div class="sub">ML lifecycle view generated from the construct tree at synth: ${model.components.length} constructs, ${model.components.reduce((n, c) => n + c.resources.length, 0)} resources, ${model.flows.length} flows (${drawnTotal} drawn). Phases with constructs: ${phasesUsed.join(', ')}.</div>
${diagrams.join('\n')}
<div class="legend" id="legend">
<span><i class="sw" style="border-color:#2563eb"></i>reads (IAM grant)</span>
<span><i class="sw" style="border-color:#ea580c"></i>writes (IAM grant)</span>
<span><i class="sw" style="border-color:#9333ea"></i>reads and writes</span>
<span><i class="sw" style="border-color:#0f766e;border-top-style:dashed"></i>pods run as the identity of</span>
<span>Arrows point from the construct holding a grant (or running the pods) to the construct whose resources it uses. Boxes: construct id, class, resource counts per type (hover for addresses). Grants on foundation constructs (keys, network) are listed below, not drawn.</span>
</div>
<h2>Flows</h2>
<table id="flows"><thead><tr><th>from</th><th>verbs</th><th>to</th><th>actions / service accounts</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
<h2>Constructs and resources</h2>
${details.join('\n')}
</body></html>
`;
}
