import { App } from 'cdktf';
import { Construct } from 'constructs';
import { checkScheduleExpression, scheduleDecryptStatement, scheduleExpressionProblem } from '../../lib/core/schedule';

describe('AWS schedule expressions', () => {
  test.each([
    'rate(1 minute)', 'rate(5 minutes)', 'rate(1 hour)', 'rate(12 hours)', 'rate(1 day)', 'rate(7 days)',
    'cron(0 3 * * ? *)', 'cron(0 3 ? * MON-FRI *)', 'cron(15 10 ? * 6L 2026-2030)', 'cron(0/15 * * * ? *)',
    'cron(0 8 L * ? *)', 'cron(0 8 15W * ? *)', 'cron(0 9 ? * 2#1 *)', 'cron(0 0 1 JAN,JUL ? *)',
  ])('%s is valid', (expr) => {
    expect(scheduleExpressionProblem(expr)).toBeUndefined();
  });

  test.each([
    ['0 3 * * *', 'is neither rate(...) nor cron(...)'],
    ['rate(1 days)', 'uses "days" with the value 1; AWS requires the singular unit (day)'],
    ['rate(2 hour)', 'uses "hour" with the value 2; AWS requires the plural unit (hours)'],
    ['rate(0 minutes)', 'has rate value "0"; it must be a whole number greater than 0'],
    ['rate(1 week)', 'has rate unit "week"; it must be one of minute, minutes, hour, hours, day, days'],
    ['rate(daily)', 'must be rate(<value> <unit>), e.g. rate(1 day)'],
    ['cron(0 3 * * *)', 'has 5 fields; an AWS cron expression has 6 (minutes hours day-of-month month day-of-week year)'],
    ['cron(0 3 * * * *)', 'has day-of-month "*" and day-of-week "*"; exactly one of them must be "?"'],
    ['cron(0 3 ? * ? *)', 'has day-of-month "?" and day-of-week "?"; exactly one of them must be "?"'],
    ['cron(60 3 * * ? *)', 'minutes field "60" is outside 0-59'],
    ['cron(0 24 * * ? *)', 'hours field "24" is outside 0-23'],
    ['cron(0 3 ? * 0 *)', 'day-of-week field "0" is outside 1-7'],
    ['cron(0 3 ? FOO * *)', 'month field "FOO" has "FOO", which is not a number or a name'],
    ['cron(0/0 3 * * ? *)', 'minutes field "0/0" has a step of 0'],
    ['cron(? 3 * * ? *)', 'minutes field "?" may not be "?" (only day-of-month or day-of-week may)'],
  ])('%s: %s', (expr, problem) => {
    expect(scheduleExpressionProblem(expr)).toBe(problem);
  });

  test('checkScheduleExpression throws the library error naming the construct, the value and the fix', () => {
    const scope = new Construct(new App({ outdir: '/tmp/cdktf-mlops-unused' }), 'pipeline');
    expect(() => checkScheduleExpression(scope, 'schedule', 'cron(0 3 * * *)')).toThrow(
      /^\[pipeline\] schedule "cron\(0 3 \* \* \*\)" has 5 fields; an AWS cron expression has 6 \(minutes hours day-of-month month day-of-week year\)\. Fix: use an AWS schedule expression such as "rate\(1 day\)"/);
    expect(checkScheduleExpression(scope, 'schedule', 'rate(7 days)')).toBe('rate(7 days)');
  });
});

describe('scheduleDecryptStatement', () => {
  test('kms:Decrypt on the key, only for the named schedules (encryption context)', () => {
    expect(scheduleDecryptStatement('arn:aws:kms:eu-west-1:111122223333:key/k', ['arn:aws:scheduler:eu-west-1:111122223333:schedule/default/s'])).toEqual({
      actions: ['kms:Decrypt'],
      resources: ['arn:aws:kms:eu-west-1:111122223333:key/k'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:scheduler:schedule:arn': ['arn:aws:scheduler:eu-west-1:111122223333:schedule/default/s'] } },
    });
  });
});
