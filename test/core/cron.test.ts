import { App } from 'cdktf';
import { Construct } from 'constructs';
import { checkKubernetesCron, kubernetesCronProblem } from '../../lib/core/cron';

describe('Kubernetes cron schedules', () => {
  test.each(['0 * * * *', '*/15 2-4 1,15 JAN-MAR MON-FRI', '@daily', '30 3 * * 7', '0 0 1 */2 *'])('%s is valid', (e) => {
    expect(kubernetesCronProblem(e)).toBeUndefined();
  });

  test.each([
    ['0 * * *', 'has 4 fields; a CronJob schedule has 5'],
    ['61 * * * *', 'minute field "61" is outside 0-59'],
    ['0 24 * * *', 'hour field "24" is outside 0-23'],
    ['0 0 0 * *', 'day of month field "0" is outside 1-31'],
    ['0 0 * FOO *', 'month field "FOO" is outside 1-12'],
    ['*/0 * * * *', 'minute field "*/0" has a step of 0'],
    ['0 0 ? * *', 'day of month field "?" is not a cron field'],
    ['rate(1 hour)', 'has 2 fields'],
  ])('%s is refused: %s', (e, problem) => {
    expect(kubernetesCronProblem(e)).toContain(problem);
  });

  test('the error names the construct, the prop and the fix', () => {
    const scope = new Construct(new App({ outdir: '/tmp/cdktf-mlops-bad' }), 'drift');
    expect(() => checkKubernetesCron(scope, 'schedule', '0 25 * * *'))
      .toThrow(/^\[drift\] schedule "0 25 \* \* \*" hour field "25" is outside 0-23\. Fix: use a five-field cron expression such as "0 \* \* \* \*" \(hourly\) or a macro such as "@daily"\.$/);
  });
});
