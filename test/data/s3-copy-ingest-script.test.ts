import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';

/** The Glue job script shipped with BatchIngestion, run against an in-memory S3 (Python, no AWS). */
const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);

(python ? describe : describe.skip)('lib/data/scripts/s3_copy_ingest.py', () => {
  test('copies changed objects under the dated landing prefix with SSE-KMS, idempotently', () => {
    const out = execFileSync(python!, [path.join(__dirname, 'scripts', 'check_s3_copy_ingest.py')], { encoding: 'utf8' });
    expect(out).toMatch(/^4 passed, 0 failed$/m);
  });
});
