import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { danglingReferences, synthesize } from '../support/synth';
import { DEFAULT_RULES, PolicyPack, PolicyPackProps } from '../../lib/governance/policy-pack';
import { Severity } from '../../lib/governance/policy/model';
import { badFixture, goodFixture, systemFixture } from './fixtures/policy-fixtures';

const tmpApp = () => new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mlops-pack-')), stackTraces: false });

function keyStack(app: App) {
  const s = new TerraformStack(app, 'keys');
  new AwsProvider(s, 'aws', { region: 'eu-west-1', defaultTags: [{ tags: { team: 'ml', model: 'shared', 'cost-center': 'cc-1' } }] });
  new KmsKey(s, 'legacy_key', { enableKeyRotation: false });
  return s;
}

describe('PolicyPack as an aspect', () => {
  test('error findings fail app.synth() naming the construct path, the rule, its anchor and the fix', () => {
    const app = tmpApp();
    badFixture(app);
    PolicyPack.applyTo(app);
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('[bad/bad_bucket] MLOPS-S3-001 (error, checkov CKV_AWS_145): S3 bucket aws_s3_bucket.bad_bucket is not encrypted with a customer-managed KMS key');
    expect(message).toContain('[bad/bad_key] MLOPS-KMS-001 (error, checkov CKV_AWS_7): KMS key aws_kms_key.bad_key does not rotate (enable_key_rotation is not true). Fix: use DomainKey (KeyRing.of(this).key("<domain>")), or set enable_key_rotation = true.');
    // warnings do not fail the synth
    expect(message).not.toContain('MLOPS-COST-001');
  });

  test('system rules run on any composition: the whole app is one model, with the needs its grants declared', () => {
    const app = tmpApp();
    badFixture(app);
    PolicyPack.applyTo(app.node.findChild('sysbad') as TerraformStack);
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('[sysbad/reader/role] MLOPS-FLOW-001 (error, cdktf-mlops system model: data flows): reads s3://acme-sysbad-lake/in/ but nothing in the platform is granted write there: the reader finds no data at run time Fix: grant write on the location');
    expect(message).toContain('[sysbad/decrypter/role] MLOPS-IAM-003 (error, cdktf-mlops system model: IAM evaluation (@cloud-copilot/iam-simulate)): aws_iam_role.decrypter_role is denied what its grants declare: kms:Decrypt on ${aws_kms_key.foreign_key.arn} (ImplicitlyDenied)');
    const needs = JSON.parse(fs.readFileSync(path.join(app.outdir, 'declared-needs-sysbad.json'), 'utf8')).needs;
    expect(needs).toContainEqual(expect.objectContaining({ principalPath: 'sysbad/reader', role: 'aws_iam_role.reader_role', kind: 'read', location: { store: 'aws_s3_bucket.lake_bucket', prefix: 'in/' } }));
  });

  test('MLOPS-EKS-005 reads where a stack declares it is applied from (appliedFrom)', () => {
    const applied = (where: string) => {
      const app = tmpApp();
      systemFixture(app, 'sysgood', true);
      Object.defineProperty(app.node.findChild('sysgood-workloads'), 'appliedFrom', { value: where });
      PolicyPack.applyTo(app);
      return () => app.synth();
    };
    expect(applied('anywhere')).toThrow(/\[sysgood-workloads\] MLOPS-EKS-005 \(error, CIS EKS 5\.4\.2 with a reachable endpoint\): stack sysgood-workloads is applied from anywhere but aws_eks_cluster\.cluster has a private endpoint only: terraform apply times out reaching the API Fix: /);
    expect(applied('cluster-network')).not.toThrow();
  });

  test('the workloads stack is checked too: Kubernetes objects map to their kubernetes_manifest path', () => {
    const app = tmpApp();
    badFixture(app);
    PolicyPack.applyTo(app.node.findChild('bad-workloads') as TerraformStack);
    expect(() => app.synth()).toThrow(/\[bad-workloads\/manifests\/deployment_fixtures_insecure\] MLOPS-K8S-001 \(error, Pod Security Standard restricted: Running as Non-root; checkov CKV_K8S_23\): Deployment fixtures\/insecure: container app may run as root \(runAsNonRoot is not true\)\. Fix: set runAsNonRoot: true/);
  });

  describe('on the library defaults', () => {
    let pack: PolicyPack;
    let s: ReturnType<typeof synthesize>;
    beforeAll(() => {
      s = synthesize((app) => {
        goodFixture(app);
        pack = PolicyPack.applyTo(app);
      });
    });
    test('synthesizes with no error finding and writes policy-report.json', () => {
      expect(danglingReferences(s)).toEqual([]);
      expect(pack.findings.filter((f) => f.severity === 'error' && !f.suppressed)).toEqual([]);
      const report = JSON.parse(fs.readFileSync(path.join(s.outdir, 'policy-report.json'), 'utf8'));
      expect(report.rules.map((r: any) => r.id)).toContain('MLOPS-S3-001');
      expect(report.findings).toEqual(pack.findings);
    });
  });

  test('a suppression with a reason lets the synth pass and is recorded in the report', () => {
    let pack: PolicyPack;
    const s = synthesize((app) => {
      keyStack(app);
      pack = PolicyPack.applyTo(app, { suppressions: [{ ruleId: 'MLOPS-KMS-001', path: 'keys/legacy_key', reason: 'imported legacy key, rotated by the HSM team (ticket SEC-42)' }] });
    });
    expect(danglingReferences(s)).toEqual([]);
    expect(pack!.findings).toEqual([expect.objectContaining({ ruleId: 'MLOPS-KMS-001', address: 'aws_kms_key.legacy_key', suppressed: 'imported legacy key, rotated by the HSM team (ticket SEC-42)' })]);
    const report = JSON.parse(fs.readFileSync(path.join(s.outdir, 'policy-report.json'), 'utf8'));
    expect(report.suppressions).toEqual([{ ruleId: 'MLOPS-KMS-001', path: 'keys/legacy_key', reason: 'imported legacy key, rotated by the HSM team (ticket SEC-42)', used: true }]);
  });

  test('a severity override turns an error into a warning', () => {
    expect(() => synthesize((app) => {
      keyStack(app);
      PolicyPack.applyTo(app, { severityOverrides: { 'MLOPS-KMS-001': 'warning' } });
    })).not.toThrow();
  });

  test('a suppression without a reason is an error', () => {
    const app = tmpApp();
    keyStack(app);
    expect(() => PolicyPack.applyTo(app, { suppressions: [{ ruleId: 'MLOPS-KMS-001', reason: 'ok' }] }))
      .toThrow(/^\[\] the suppression of MLOPS-KMS-001 has no reason \("ok"\)\. Fix: write why the finding is acceptable \(at least 10 characters\); it is shown in the review report\.$/);
  });

  describe('configuration mistakes are errors with the nearest valid value', () => {
    const IDS = DEFAULT_RULES.map((r) => r.id).join(', ');
    const apply = (props: PolicyPackProps) => () => {
      const app = tmpApp();
      keyStack(app);
      PolicyPack.applyTo(app, props);
    };
    test('a suppression of an unknown rule names the rule anchored on that checkov id, or the nearest id', () => {
      expect(apply({ suppressions: [{ ruleId: 'CKV_AWS_7', reason: 'a reason that is long enough' }] }))
        .toThrow(new Error(`[] a suppression names rule "CKV_AWS_7", which the pack does not have. Fix: use "MLOPS-KMS-001" (the rule anchored on CKV_AWS_7); the pack's rules are ${IDS}.`));
      expect(apply({ suppressions: [{ ruleId: 'MLOPS-KMS-01', reason: 'a reason that is long enough' }] }))
        .toThrow(new Error(`[] a suppression names rule "MLOPS-KMS-01", which the pack does not have. Fix: use "MLOPS-KMS-001"; the pack's rules are ${IDS}.`));
      expect(apply({ suppressions: [{ ruleId: 'no-such-rule', reason: 'a reason that is long enough' }] }))
        .toThrow(new Error(`[] a suppression names rule "no-such-rule", which the pack does not have. Fix: use one of ${IDS}.`));
    });
    test('a severity override of an unknown rule is an error, not ignored', () => {
      expect(apply({ severityOverrides: { 'mlops-cost-001': 'error' } }))
        .toThrow(new Error(`[] severityOverrides names rule "mlops-cost-001", which the pack does not have. Fix: use "MLOPS-COST-001"; the pack's rules are ${IDS}.`));
      expect(apply({ severityOverrides: { CKV_AWS_7: 'warning' } }))
        .toThrow(new Error(`[] severityOverrides names rule "CKV_AWS_7", which the pack does not have. Fix: use "MLOPS-KMS-001" (the rule anchored on CKV_AWS_7); the pack's rules are ${IDS}.`));
    });
    test('a severity that is not error, warning or info is an error (it used to turn errors into warnings)', () => {
      expect(apply({ severityOverrides: { 'MLOPS-KMS-001': 'critical' as Severity } }))
        .toThrow(new Error('[] severityOverrides["MLOPS-KMS-001"] is "critical", which is not a severity. Fix: use one of error, warning, info.'));
      expect(apply({ severityOverrides: { 'MLOPS-KMS-001': 'Error' as Severity } }))
        .toThrow(new Error('[] severityOverrides["MLOPS-KMS-001"] is "Error", which is not a severity (did you mean "error"?). Fix: use one of error, warning, info.'));
      expect(apply({ severityOverrides: { 'MLOPS-KMS-001': 'warn' as Severity } }))
        .toThrow(new Error('[] severityOverrides["MLOPS-KMS-001"] is "warn", which is not a severity (did you mean "warning"?). Fix: use one of error, warning, info.'));
    });
  });

  describe('a suppression that matches no finding', () => {
    let s: ReturnType<typeof synthesize>;
    let app: App;
    const reason = 'imported legacy key, rotated by the HSM team (ticket SEC-42)';
    beforeAll(() => {
      s = synthesize((a) => {
        app = a;
        keyStack(a);
        PolicyPack.applyTo(a, { suppressions: [
          { ruleId: 'MLOPS-KMS-001', path: 'keys/legacy_key', reason },
          { ruleId: 'MLOPS-KMS-001', path: 'keys/old_key', reason },
          { ruleId: 'MLOPS-S3-001', reason: 'no bucket here, kept from an older layout' },
        ] });
      });
    });
    test('is a synth warning naming it, once, on the last stack evaluated', () => {
      expect(danglingReferences(s)).toEqual([]);
      const warnings = app.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => `[${c.node.path}] ${m.data}`));
      expect(warnings).toEqual([
        `[keys] the suppression of MLOPS-KMS-001 at "keys/old_key" ("${reason}") matched no finding, so it hides nothing. Remove it, or correct its path (a construct path prefix or a Terraform address).`,
        '[keys] the suppression of MLOPS-S3-001 ("no bucket here, kept from an older layout") matched no finding, so it hides nothing. Remove it, or correct its path (a construct path prefix or a Terraform address).',
      ]);
    });
    test('the report keeps used: false for it', () => {
      const report = JSON.parse(fs.readFileSync(path.join(s.outdir, 'policy-report.json'), 'utf8'));
      expect(report.suppressions.map((x: any) => [x.path, x.used])).toEqual([['keys/legacy_key', true], ['keys/old_key', false], [undefined, false]]);
    });
  });

  test('applying to an app without stacks is an error', () => {
    expect(() => PolicyPack.applyTo(tmpApp())).toThrow(/^\[\] the policy pack was applied to a scope with no stacks\. Fix: call PolicyPack\.applyTo\(app\) after creating the stacks\.$/);
  });
});
