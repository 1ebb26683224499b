import { Template } from 'aws-cdk-lib/assertions';
import { render, testStacks } from './support';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: unknown;
}

/** The statements of the policies attached to one role, as synthesized (what they say, not what AWS decides). */
function roleStatements(
  template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> },
  roleLogicalId: string,
): Statement[] {
  const out: Statement[] = [];
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const roles = (r.Properties.Roles as unknown[]).map(render);
    if (!roles.includes(`<${roleLogicalId}>`)) continue;
    out.push(...(render(r.Properties.PolicyDocument) as { Statement: Statement[] }).Statement);
  }
  return out;
}

describe('SecurityBoard', () => {
  const { compute } = testStacks();
  const template = Template.fromStack(compute);
  const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
  const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
  const boardFn = ofType('AWS::Lambda::Function').find(
    ([, r]) =>
      r.Properties.Environment?.Variables?.LAKE_BUCKET && r.Properties.Description?.startsWith('Regenerates the security team board'),
  )!;
  const roleOf = (fn: [string, { Properties: Record<string, any> }]): string =>
    (render(fn[1].Properties.Role) as string).replace(/^<|\.Arn>$/g, '');

  it('rebuilds the board when a hunt run ends, and sends the digest on a schedule', () => {
    // Prepare
    const rules = ofType('AWS::Events::Rule').map(([, r]) => render(r.Properties) as Record<string, any>);

    // Act
    const after = rules.find((r) => r.EventPattern?.['detail-type']?.[0] === 'Step Functions Execution Status Change')!;
    const digest = rules.find((r) => r.Description === 'Send the security team digest')!;

    // Assess
    expect(after.EventPattern.detail.status).toEqual(['SUCCEEDED', 'FAILED', 'TIMED_OUT']);
    expect(String(after.EventPattern.detail.stateMachineArn[0])).toMatch(/StateMachine/);
    expect(JSON.parse(after.Targets[0].InputTransformer.InputTemplate.replace(/<time>|<detail-status>/g, '"x"'))).toMatchObject({
      mode: 'board',
    });
    expect(digest.ScheduleExpression).toBe('cron(0 7 ? * MON *)');
    expect(JSON.parse(digest.Targets[0].Input)).toEqual({ mode: 'digest' });
    expect(boardFn[1].Properties.Environment.Variables).toMatchObject({
      DEDUP_TABLE: expect.anything(),
      TOPIC_ARN: expect.anything(),
      AGENCIES: 'doj,dhs',
    });
  });

  it('lets the function write only board/, and analysts record only triage# items', () => {
    // Prepare
    const fnStatements = roleStatements(json, roleOf(boardFn));
    const analyst = ofType('AWS::IAM::Role').find(([, r]) => String(r.Properties.RoleName ?? '').endsWith('-analyst'))!;

    // Act
    const writes = fnStatements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('s3:PutObject')));
    const put = roleStatements(json, analyst[0]).find((s) => [s.Action].flat().includes('dynamodb:PutItem'))!;

    // Assess
    expect(writes.flatMap((s) => [s.Resource].flat().map(String))).toEqual([expect.stringMatching(/\/board\/\*$/)]);
    expect(put.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['triage#*'] } });
  });
});
