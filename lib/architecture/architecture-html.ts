import { ArchitectureComponent, ArchitectureFlow, ArchitectureModel } from './architecture-model';
import { LIFECYCLE_PHASES, LifecyclePhase } from './lifecycle-phases';
import { groupBy } from '../core/collections';

/** Resource types named first in a box, most important first. */
const IMPORTANT = ['aws_s3_bucket', 'aws_eks_cluster', 'aws_kinesis_stream', 'aws_glue_catalog_database', 'aws_glue_catalog_table', 'aws_dynamodb_table',
  'aws_db_instance', 'aws_rds_cluster', 'aws_sagemaker_model_package_group', 'aws_ecr_repository', 'aws_sfn_state_machine', 'aws_lambda_function',
  'aws_sns_topic', 'aws_cloudwatch_metric_alarm', 'aws_iam_role', 'aws_kms_key', 'aws_vpc', 'Deployment', 'CronJob', 'Job', 'StatefulSet', 'Service', 'Namespace'];

/** Whether the checks proved a flow end to end, or found it broken. */
export type FlowStatus = 'verified' | 'broken';

/** A flow as the page draws it: an {@link ArchitectureFlow} with an optional verdict of the checks. */
export interface DiagramFlow extends ArchitectureFlow {
  /** @default "verified" */
  readonly status?: FlowStatus;
  /** Why the flow is broken (shown in its tooltip and in the flow table). @default none */
  readonly reason?: string;
}

/** What the page renders: the architecture model, whose flows may carry a status. */
export interface ArchitectureView extends Omit<ArchitectureModel, 'flows'> {
  readonly flows: readonly DiagramFlow[];
}

/** Lanes per row: the ten lifecycle phases are drawn in two rows of five. */
const PER_ROW = 5;
const COL_W = 270;
/** Gap between lanes, and the margins: the channels flows run in (they never cross a box or a title). */
const GAP = 36;
const MARGIN = 24;
const HEAD = 34;
const LINE = 16;
const BOX_HEAD = 38;
const MAX_LINES = 6;
const BOX_INSET = 8;
/** Distance between parallel flow tracks in a channel or the corridor. */
const TRACK = 4;

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

interface Box { c: ArchitectureComponent; x: number; y: number; w: number; h: number; lines: string[]; col: number; row: number }

const laneX = (col: number) => MARGIN + col * (COL_W + GAP);
/** Left edge of the channel right of lane `col` (the right margin after the last lane). */
const channelRight = (col: number) => laneX(col) + COL_W;
const channelWidth = (col: number) => (col === PER_ROW - 1 ? MARGIN : GAP);
const flowClass = (f: DiagramFlow) => (f.status === 'broken' ? 'broken' : f.kind === 'identity' ? 'identity' : f.verbs.replace('/', '-'));
const flowTitle = (f: DiagramFlow) => `${f.status === 'broken' ? `BROKEN (${f.reason ?? 'no reason given'}): ` : ''}${f.from} → ${f.to}: ${f.verbs} (${f.details.join(', ')})`;

/**
 * The path of flow number `i` from box `a` to box `b`, drawn only in channels: out of `a`'s side
 * into the channel beside it, along that channel to the corridor between the two rows, along the
 * corridor to the channel beside `b`, and into `b`. So it crosses no box, label or lane title.
 */
function route(a: Box, b: Box, i: number, corridorY: number, corridorTracks: number): string {
  const exitRight = b.col >= a.col;
  const exitChannel = exitRight ? a.col : a.col - 1;
  const entryChannel = b.col > a.col ? b.col - 1 : b.col === a.col ? exitChannel : b.col;
  const track = (col: number) => {
    const w = channelWidth(col);
    const n = Math.max(1, Math.floor((w - 8) / TRACK));
    return channelRight(col) + 4 + (i % n) * TRACK;
  };
  const x1 = exitRight ? a.x + a.w : a.x;
  const x2 = entryChannel >= b.col ? b.x + b.w : b.x;
  const y1 = a.y + Math.min(a.h - 8, 14 + (i % 4) * 6);
  const y2 = b.y + Math.min(b.h - 8, 18 + (i % 4) * 6);
  const cx1 = track(exitChannel);
  const cx2 = track(entryChannel);
  // Both ends beside the same channel in the same row: along the channel only.
  if (exitChannel === entryChannel && a.row === b.row) return `M${x1},${y1} H${cx1} V${y2} H${x2}`;
  const cy = corridorY + 8 + (i % corridorTracks) * TRACK;
  return `M${x1},${y1} H${cx1} V${cy} H${cx2} V${y2} H${x2}`;
}

/** One lifecycle diagram (SVG) of a group of components, e.g. one platform. */
function renderSvg(components: ArchitectureComponent[], flows: readonly DiagramFlow[], label: string, n: number): { svg: string; drawn: DiagramFlow[] } {
  const lanes = LIFECYCLE_PHASES.filter((p) => p.phase !== 'foundation' && p.phase !== 'other');
  const width = MARGIN * 2 + PER_ROW * COL_W + (PER_ROW - 1) * GAP;
  const boxes = new Map<string, Box>();
  const boxHeight = (lines: string[]) => BOX_HEAD + lines.length * LINE + 8;
  const rows = Math.ceil(lanes.length / PER_ROW);

  // Flows drawn: between lifecycle boxes; grants on foundation components (keys, network) are listed in the table only.
  const lifecycle = new Set(lanes.map((l) => l.phase));
  const inLifecycle = (path: string) => components.some((c) => c.path === path && lifecycle.has(c.phase));
  const drawn = flows.filter((f) => inLifecycle(f.from) && inLifecycle(f.to) && f.from !== f.to);
  const corridorTracks = Math.max(1, drawn.length);
  const corridorH = 16 + corridorTracks * TRACK;

  const rowTop: number[] = [];
  const rowBottom: number[] = [];
  let top = MARGIN;
  for (let r = 0; r < rows; r++) {
    rowTop.push(top);
    let bottom = top + HEAD + 10;
    lanes.slice(r * PER_ROW, (r + 1) * PER_ROW).forEach((lane, col) => {
      let y = top + HEAD + 10;
      for (const c of components.filter((k) => k.phase === lane.phase)) {
        const lines = summarizeResources(c);
        const h = boxHeight(lines);
        boxes.set(c.path, { c, x: laneX(col) + BOX_INSET, y, w: COL_W - 2 * BOX_INSET, h, lines, col, row: r });
        y += h + 14;
      }
      bottom = Math.max(bottom, y);
    });
    rowBottom.push(bottom + 10);
    top = bottom + 10 + (r < rows - 1 ? corridorH : 0);
  }
  const corridorY = rowBottom[0];
  const lanesBottom = rowBottom[rows - 1];

  const bands: Array<{ phase: LifecyclePhase; title: string; y: number; h: number }> = [];
  let y = lanesBottom + 24;
  for (const band of LIFECYCLE_PHASES.filter((p) => p.phase === 'foundation' || p.phase === 'other')) {
    const members = components.filter((k) => k.phase === band.phase);
    if (members.length === 0 && band.phase === 'other') continue;
    let rowY = y + HEAD;
    let rowH = 0;
    members.forEach((c, i) => {
      if (i > 0 && i % PER_ROW === 0) {
        rowY += rowH + 14;
        rowH = 0;
      }
      const lines = summarizeResources(c);
      const h = boxHeight(lines);
      boxes.set(c.path, { c, x: laneX(i % PER_ROW) + BOX_INSET, y: rowY, w: COL_W - 2 * BOX_INSET, h, lines, col: i % PER_ROW, row: -1 });
      rowH = Math.max(rowH, h);
    });
    const h = rowY + rowH + 14 - y;
    bands.push({ phase: band.phase, title: band.title, y, h: Math.max(h, HEAD + 30) });
    y += Math.max(h, HEAD + 30) + 20;
  }
  const height = y + MARGIN;

  const svg: string[] = [];
  svg.push(`<svg xmlns="http://www.w3.org/2000/svg" class="diagram" data-group="${esc(label)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(label)} architecture">`);
  const marker = (kind: string, color: string) => `<marker id="arrow-${kind}-${n}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="${color}"/></marker>`;
  svg.push('<defs>', marker('read', '#2563eb'), marker('write', '#ea580c'), marker('read-write', '#9333ea'), marker('identity', '#0f766e'), marker('broken', '#dc2626'), '</defs>');
  lanes.forEach((lane, i) => {
    const row = Math.floor(i / PER_ROW);
    const col = i % PER_ROW;
    const x = laneX(col);
    svg.push(`<g class="phase" data-phase="${lane.phase}"><rect class="lane" x="${x}" y="${rowTop[row]}" width="${COL_W}" height="${rowBottom[row] - rowTop[row]}" rx="10"/>`,
      `<text class="phase-title" x="${x + COL_W / 2}" y="${rowTop[row] + 22}" text-anchor="middle">${i + 1}. ${esc(lane.title)}</text></g>`);
    // The lifecycle order: an arrow to the next lane, or (end of a row) down the right margin and back to the next row's first lane.
    if (col < PER_ROW - 1 && i < lanes.length - 1) {
      svg.push(`<path class="lifecycle" d="M${x + COL_W + 4},${rowTop[row] + 17} h${GAP - 8}" marker-end="url(#arrow-identity-${n})"/>`);
    } else if (i < lanes.length - 1) {
      const next = rowTop[row + 1];
      svg.push(`<path class="lifecycle" d="M${x + COL_W + 2},${rowTop[row] + 17} h${MARGIN - 10} V${next - 8} H${MARGIN - 10} V${next + 17} h8" marker-end="url(#arrow-identity-${n})"/>`);
    }
  });
  for (const b of bands) {
    svg.push(`<g class="phase band" data-phase="${b.phase}"><rect class="lane ${b.phase}" x="${MARGIN}" y="${b.y}" width="${width - 2 * MARGIN}" height="${b.h}" rx="10"/>`,
      `<text class="phase-title" x="${MARGIN + 14}" y="${b.y + 22}">${esc(b.title)}</text></g>`);
  }

  drawn.forEach((f, i) => {
    const d = route(boxes.get(f.from)!, boxes.get(f.to)!, i, corridorY, corridorTracks);
    const cls = flowClass(f);
    svg.push(`<path class="flow ${cls}" data-from="${esc(f.from)}" data-to="${esc(f.to)}" data-status="${f.status ?? 'verified'}" d="${d}" marker-end="url(#arrow-${cls}-${n})"><title>${esc(flowTitle(f))}</title></path>`);
  });

  for (const b of boxes.values()) {
    svg.push(`<g class="component" data-path="${esc(b.c.path)}" data-phase="${b.c.phase}"><title>${esc(`${b.c.path} (${b.c.className})\n${b.c.resources.map((r) => r.address).join('\n')}`)}</title>`,
      `<rect class="box ${b.c.phase}" x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="6"/>`,
      `<text class="component-name" x="${b.x + 8}" y="${b.y + 16}">${esc(clip(b.c.id, 30))}</text>`,
      `<text class="component-class" x="${b.x + 8}" y="${b.y + 31}">${esc(clip(`${b.c.className} · ${b.c.resources.length} resources`, 36))}</text>`);
    b.lines.forEach((l, i) => svg.push(`<text class="resource" x="${b.x + 10}" y="${b.y + BOX_HEAD + 11 + i * LINE}">${esc(clip(l, 34))}</text>`));
    svg.push('</g>');
  }
  svg.push('</svg>');
  return { svg: svg.join('\n'), drawn };
}

/**
 * Renders the model as one self-contained HTML page (inline SVG and CSS, no scripts, fonts or
 * fetches). Flows may carry a status from the checks (default verified); a broken one is drawn
 * dashed red, with its reason in its tooltip and the flow table. Every label is at least 11 px at
 * its natural size: the diagram scrolls sideways in a narrow window instead of shrinking.
 */
export function renderArchitectureHtml(model: ArchitectureView): string {
  const groups = model.groups.map((g) => g.path);
  let drawnTotal = 0;
  let brokenDrawn = 0;
  const diagrams = groups.map((g, i) => {
    const members = model.components.filter((c) => c.group === g);
    const paths = new Set(members.map((c) => c.path));
    const r = renderSvg(members, model.flows.filter((f) => paths.has(f.from) && paths.has(f.to)), g, i);
    drawnTotal += r.drawn.length;
    brokenDrawn += r.drawn.filter((f) => f.status === 'broken').length;
    return (groups.length > 1 ? `<h2 class="group">${esc(model.groups[i].title)}</h2>\n` : '') + `<div class="scroll">${r.svg}</div>`;
  });
  const broken = model.flows.filter((f) => f.status === 'broken');

  const rows = model.flows.map((f) => `<tr class="flow-row ${f.kind}${f.status === 'broken' ? ' broken' : ''}"><td>${esc(f.from)}</td><td>${esc(f.verbs)}</td><td>${esc(f.to)}</td><td>${esc(f.details.join(', '))}</td><td>${f.status === 'broken' ? `broken: ${esc(f.reason ?? 'no reason given')}` : 'verified'}</td></tr>`);
  const details = model.components.map((c) => `<details><summary>${esc(c.path)} <small>${esc(c.className)} · ${c.phase}</small></summary><ul>${c.resources.map((r) => `<li>${esc(r.address)}</li>`).join('')}</ul></details>`);
  const phasesUsed = LIFECYCLE_PHASES.filter((p) => model.components.some((c) => c.phase === p.phase)).map((p) => p.title);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(model.title)} · architecture</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:16px;color:#0f172a;background:#f8fafc;font-size:14px}
h1{font-size:20px;margin:0 0 4px} .sub{color:#475569;font-size:13px;margin-bottom:10px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin-bottom:8px}
.diagram{display:block;background:#fff;border:1px solid #e2e8f0;border-radius:8px}
.lane{fill:#f1f5f9;stroke:#cbd5e1} .lane.foundation{fill:#eef2ff;stroke:#c7d2fe} .lane.other{fill:#fef9c3;stroke:#fde68a}
.phase-title{font-size:14px;font-weight:700;fill:#334155}
.box{fill:#fff;stroke:#64748b;stroke-width:1.2} .box.foundation{stroke:#6366f1} .box.other{stroke:#ca8a04}
.component-name{font-size:13px;font-weight:700;fill:#0f172a} .component-class{font-size:11.5px;fill:#475569} .resource{font-size:11.5px;fill:#334155;font-family:ui-monospace,"DejaVu Sans Mono",monospace}
.flow{fill:none;stroke-width:1.6;opacity:.85} .flow.read{stroke:#2563eb} .flow.write{stroke:#ea580c} .flow.read-write{stroke:#9333ea} .flow.identity{stroke:#0f766e;stroke-dasharray:5 3}
.flow.broken{stroke:#dc2626;stroke-width:2.2;stroke-dasharray:2 4;opacity:1}
.lifecycle{stroke:#94a3b8;stroke-width:1.5;fill:none}
.legend{display:flex;gap:18px;font-size:13px;margin:10px 0;flex-wrap:wrap} .legend span{display:inline-flex;align-items:center;gap:6px}
.sw{display:inline-block;width:26px;height:0;border-top:2px solid}
.scroll-table{overflow-x:auto}
table{border-collapse:collapse;font-size:12px;background:#fff} td,th{border:1px solid #e2e8f0;padding:3px 6px;text-align:left;vertical-align:top}
tr.broken td{background:#fef2f2;color:#991b1b}
details{font-size:12px} details small{font-size:11px;color:#475569} h2{font-size:15px;margin:16px 0 6px}
</style></head><body>
<h1 id="title">${esc(model.title)}</h1>
<div class="sub">ML lifecycle view generated from the construct tree at synth: ${model.components.length} constructs, ${model.components.reduce((n, c) => n + c.resources.length, 0)} resources, ${model.flows.length} flows (${drawnTotal} drawn${broken.length ? `, ${broken.length} broken` : ''}). Phases with constructs: ${phasesUsed.join(', ')}.</div>
${diagrams.join('\n')}
<div class="legend" id="legend">
<span><i class="sw" style="border-color:#2563eb"></i>reads (IAM grant)</span>
<span><i class="sw" style="border-color:#ea580c"></i>writes (IAM grant)</span>
<span><i class="sw" style="border-color:#9333ea"></i>reads and writes</span>
<span><i class="sw" style="border-color:#0f766e;border-top-style:dashed"></i>pods run as the identity of</span>
<span><i class="sw" style="border-color:#dc2626;border-top-style:dotted;border-top-width:3px"></i>broken flow (${brokenDrawn} drawn; reason on hover and in the table)</span>
<span>Arrows point from the construct holding a grant (or running the pods) to the construct whose resources it uses; they run in the channels between the lanes. Boxes: construct id, class, resource counts per type (hover for addresses). Flows of foundation constructs (keys, network) and of constructs in "Other" are listed below, not drawn.</span>
</div>
${broken.length ? `<h2>Broken flows</h2>\n<ul id="broken">${broken.map((f) => `<li>${esc(f.from)} → ${esc(f.to)} (${esc(f.verbs)}): ${esc(f.reason ?? 'no reason given')}</li>`).join('')}</ul>\n` : ''}<h2>Flows</h2>
<div class="scroll-table"><table id="flows"><thead><tr><th>from</th><th>verbs</th><th>to</th><th>actions / service accounts</th><th>status</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>
<h2>Constructs and resources</h2>
${details.join('\n')}
</body></html>
`;
}
