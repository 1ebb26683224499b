/**
 * LakeVerifier: the scheduled lake check and the failed-query trigger, wired to the normalizer's queue. What the role
 * may and may not do is decided by the policy simulator in access-matrix.test.ts; here, what the template says.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { LakeVerifier } from '../../lib/lake-verifier';
import { render, testApp, testStacks } from './support';

describe('LakeVerifier', () => {
  const { compute } = testStacks();
  const json = Template.fromStack(compute).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
  const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
  const fn = ofType('AWS::Lambda::Function').find(([, r]) => r.Properties.Environment?.Variables?.QUEUE_URL)!;

  it('runs on a daily schedule and on every failed query of the hunt workgroup, and on nothing else', () => {
    // Prepare
    const rules = ofType('AWS::Events::Rule').map(([, r]) => render(r.Properties) as Record<string, any>);
    const targeting = rules.filter((r) => (r.Targets ?? []).some((t: any) => String(t.Arn) === `<${fn[0]}.Arn>`));
    // Act
    const schedule = targeting.find((r) => r.ScheduleExpression);
    const failed = targeting.find((r) => r.EventPattern);
    const permissions = ofType('AWS::Lambda::Permission')
      .map(([, r]) => render(r.Properties) as Record<string, any>)
      .filter((p) => String(p.FunctionName) === `<${fn[0]}.Arn>`);
    // Assess
    expect(targeting).toHaveLength(2);
    expect(schedule!.ScheduleExpression).toBe('rate(1 day)');
    expect(failed!.EventPattern).toEqual({
      source: ['aws.athena'],
      'detail-type': ['Athena Query State Change'],
      detail: { currentState: ['FAILED'], workgroupName: ['sweep'] },
    });
    expect(permissions.map((p) => [p.Principal, p.SourceArn]).sort()).toEqual(
      targeting.map(() => ['events.amazonaws.com', expect.stringMatching(/^<LakeVerify(Schedule|FailedQuery)[0-9A-F]+\.Arn>$/)]),
    );
  });

  it('is configured with the lake, the upload bucket and the normalizer queue', () => {
    // Act
    const env = render(fn[1].Properties.Environment.Variables) as Record<string, string>;
    // Assess
    expect(env.QUEUE_URL).toMatch(/^<NormalizerUploads[0-9A-F]+>$/);
    expect(env.LAKE_BUCKET).toMatch(/Lake/);
    expect(env.UPLOAD_BUCKET).toMatch(/Uploads/);
    expect(fn[1].Properties.Timeout).toBe(900);
  });

  it('refuses a timeout past Lambda limit and memory outside 512..10240 MB', () => {
    // Prepare
    const stack = new Stack(testApp(), 'Props');
    const base = {
      lakeBucket: new s3.Bucket(stack, 'L'),
      uploadBucket: new s3.Bucket(stack, 'U'),
      normalizerQueue: new sqs.Queue(stack, 'Q'),
      workGroupName: 'wg',
    };
    // Act
    const make = (id: string, extra: object) => () => new LakeVerifier(stack, id, { ...base, ...extra });
    // Assess
    expect(make('A', { timeout: Duration.minutes(16) })).toThrow('timeout must be at most 15 minutes');
    expect(make('B', { memoryMb: 256 })).toThrow('memoryMb must be in 512..10240, got 256');
    expect(() => make('C', { schedule: events.Schedule.rate(Duration.hours(6)) })()).not.toThrow();
  });
});
