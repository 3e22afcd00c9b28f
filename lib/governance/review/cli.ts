import * as fs from 'fs';
import { ReviewInputError, SEVERITIES, Severity, readModel } from '../policy/model';
import { Suppression } from '../policy/rule';
import { REVIEW_FORMATS, ReviewFormat, renderReview } from './formats';
import { blocking, review } from './review';

/** Where the CLI writes; injectable for in-process tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const USAGE = `Usage: cdktf-mlops review <cdktf.out | plan.json | cdk.tf.json> [options]

Reviews a synthesized cdktf.out directory or a \`terraform show -json\` plan.

Options:
  --format <markdown|json|sarif|junit>   output format (default: markdown)
  --output <file>                        write the review to <file> instead of stdout
  --fail-on <error|warning|info|none>    exit 1 when an unsuppressed finding is at or above this severity (default: error)
  --suppressions <file>                  JSON array of { "ruleId", "path", "reason" }
  -h, --help                             show this help

Exit status: 0 no blocking findings, 1 blocking findings, 2 usage or input error.`;

class UsageError extends Error {}

/** Runs the CLI with `argv` (without node and script); returns the exit status. */
export function main(argv: string[], io: CliIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }): number {
  try {
    const args = [...argv];
    if (args.length === 0 || args.includes('-h') || args.includes('--help')) {
      io.stdout(`${USAGE}\n`);
      return args.length === 0 ? 2 : 0;
    }
    const command = args.shift();
    if (command !== 'review') throw new UsageError(`unknown command "${command}"; the only command is "review".`);
    let input: string | undefined;
    let format: ReviewFormat = 'markdown';
    let output: string | undefined;
    let failOn: Severity | 'none' = 'error';
    let suppressions: Suppression[] = [];
    while (args.length) {
      const a = args.shift()!;
      const value = () => {
        const v = args.shift();
        if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value.`);
        return v;
      };
      if (a === '--format') {
        const v = value();
        if (!(REVIEW_FORMATS as readonly string[]).includes(v)) throw new UsageError(`--format "${v}" is not one of ${REVIEW_FORMATS.join(', ')}.`);
        format = v as ReviewFormat;
      } else if (a === '--output') output = value();
      else if (a === '--fail-on') {
        const v = value();
        if (v !== 'none' && !(SEVERITIES as readonly string[]).includes(v)) throw new UsageError(`--fail-on "${v}" is not one of ${SEVERITIES.join(', ')}, none.`);
        failOn = v as Severity | 'none';
      } else if (a === '--suppressions') suppressions = readSuppressions(value());
      else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}.`);
      else if (input === undefined) input = a;
      else throw new UsageError(`unexpected argument "${a}"; review takes one input.`);
    }
    if (!input) throw new UsageError('no input given.');
    const r = review(readModel(input), { suppressions });
    const text = renderReview(r, format);
    if (output) fs.writeFileSync(output, text);
    else io.stdout(text.endsWith('\n') ? text : `${text}\n`);
    const blockers = blocking(r, failOn);
    const open = r.findings.filter((f) => !f.suppressed);
    io.stderr(`cdktf-mlops review: ${SEVERITIES.map((s) => `${open.filter((f) => f.severity === s).length} ${s}`).join(', ')}; ${r.findings.length - open.length} suppressed; ${r.exceptions.length} accepted exceptions${blockers.length ? `; ${blockers.length} at or above ${failOn}: failing` : ''}.\n`);
    return blockers.length ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`cdktf-mlops: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ReviewInputError) {
      io.stderr(`cdktf-mlops: ${e.message}\n`);
      return 2;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.path) {
      io.stderr(`cdktf-mlops: cannot read ${err.path} (${err.code}).\n`);
      return 2;
    }
    // An input that parses but has an unexpected shape must not end in a stack trace either.
    io.stderr(`cdktf-mlops: could not review the input: ${(e as Error)?.message ?? String(e)}. Check that it is a cdktf.out directory or \`terraform show -json\` output.\n`);
    return 2;
  }
}

function readSuppressions(file: string): Suppression[] {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ReviewInputError(`suppressions file ${file} is not readable JSON (${(e as Error).message}).`);
  }
  if (!Array.isArray(json) || !json.every((s) => s && typeof s.ruleId === 'string' && typeof s.reason === 'string' && s.reason.trim().length >= 10)) {
    throw new ReviewInputError(`suppressions file ${file} must be a JSON array of { "ruleId", "path"?, "reason" } with a reason of at least 10 characters each.`);
  }
  return json as Suppression[];
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
