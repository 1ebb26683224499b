import * as s3 from 'aws-cdk-lib/aws-s3';
import { ACCEPTED, addNagChecks } from '../../lib/nag-acknowledgements';
import { testApp, testStacks } from './support';

function synthFailure(app: ReturnType<typeof testApp>): string | undefined {
  try {
    app.synth();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('cdk-nag AwsSolutions on the whole app', () => {
  it('reports no unacknowledged finding, and records each acknowledgement with its reason', () => {
    // Prepare
    const app = testApp();
    const { compute } = testStacks(undefined, app);
    addNagChecks(app);

    // Act
    const failure = synthFailure(app);

    // Assess
    expect(failure).toBeUndefined();
    const acks = compute.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data as Record<string, string>));
    const reasons = new Set(acks.flatMap((a) => Object.values(a)));
    expect(reasons.size).toBeGreaterThan(0);
    // aws-cdk-lib acknowledges two template-validation findings itself on the large-upload VPC.
    const byCdk = [
      'Literal AZs in template are the result of accessing stack.availabilityZones, this is expected and safe',
      'AWS::EC2::FlowLog DestinationOptions accepts properties in camelCase, even they are listed as PascalCase in the spec',
    ];
    for (const r of reasons) expect([...ACCEPTED.map((a) => a.reason), ...byCdk]).toContain(r);
  });

  it('fails synth on a finding that is not accepted (an unencrypted bucket without TLS)', () => {
    // Prepare
    const app = testApp();
    const { data } = testStacks(undefined, app);
    new s3.Bucket(data, 'CarelessBucket', { encryption: s3.BucketEncryption.UNENCRYPTED });
    addNagChecks(app);

    // Act
    const failure = synthFailure(app);

    // Assess
    expect(failure).toContain('CarelessBucket');
    expect(failure).toMatch(/AwsSolutions-S10|AwsSolutions-S1\b/);
  });
});
