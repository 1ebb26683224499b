/**
 * AWS's own authorization rules applied to the synthesized templates.
 *
 * The templates are resolved into one concrete deployment (account 111111111111, us-east-1, physical names derived
 * from logical ids); every request is then decided by @cloud-copilot/iam-simulate (a reimplementation of IAM's policy
 * evaluation logic: explicit Deny, NotAction, conditions, KMS key-policy trust, same- and cross-account rules) with
 * all the policies AWS would combine for it: the principal's identity policies and the resource's policy (bucket,
 * queue, topic or key policy). Nothing here decides access itself.
 */
import { runSimulation, type EvaluationResult } from '@cloud-copilot/iam-simulate';

export const ACCOUNT = '111111111111';
export const OTHER_ACCOUNT = '222222222222';
export const REGION = 'us-east-1';

type Json = any;
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
}
export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: Json; Export?: { Name: Json } }>;
}

/** One request to AWS: who, what, on which ARN, with which request context. */
export interface AccessRequest {
  /** A role ARN, or a service principal (`events.amazonaws.com`). */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Request context keys besides the ones derived from the principal (aws:PrincipalArn, aws:SecureTransport...). */
  readonly context?: Record<string, string | string[]>;
  /** Account owning the resource. @default ACCOUNT */
  readonly resourceAccount?: string;
}

export interface Decision {
  readonly request: AccessRequest;
  readonly result: EvaluationResult | 'Error';
  readonly detail?: string;
}

/** The deployed app as AWS would see it: every stack's resources, resolved. */
export class DeployedPolicies {
  private readonly stacks: Record<string, Template>;

  constructor(templates: Record<string, Template>) {
    this.stacks = templates;
  }

  /** Concrete value of a template expression (intrinsics resolved). Unknown intrinsics throw. */
  resolve(v: Json, stack: string): Json {
    if (Array.isArray(v)) return v.map((x) => this.resolve(x, stack));
    if (!v || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      const k = keys[0];
      const arg = v[k];
      switch (k) {
        case 'Ref':
          return this.ref(arg, stack);
        case 'Fn::GetAtt':
          return this.getAtt(arg[0], arg[1], stack);
        case 'Fn::Join':
          return (this.resolve(arg[1], stack) as string[]).join(arg[0]);
        case 'Fn::Select':
          return (this.resolve(arg[1], stack) as Json[])[Number(this.resolve(arg[0], stack))];
        case 'Fn::Split':
          return String(this.resolve(arg[1], stack)).split(arg[0]);
        case 'Fn::ImportValue':
          return this.importValue(this.resolve(arg, stack));
        case 'Fn::Sub': {
          const [text, vars] = typeof arg === 'string' ? [arg, {}] : [arg[0], arg[1] ?? {}];
          return (text as string).replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
            if (name in vars) return String(this.resolve(vars[name], stack));
            const [id, attr] = name.split('.');
            return String(attr ? this.getAtt(id, attr, stack) : this.ref(id, stack));
          });
        }
        default:
          throw new Error(`intrinsic ${k} is not resolved by the policy simulator (stack ${stack})`);
      }
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.resolve(x, stack)]));
  }

  /** Resources of a type in every stack, with their stack name. */
  resources(type: string): { stack: string; id: string; resource: Resource }[] {
    return Object.entries(this.stacks).flatMap(([stack, t]) =>
      Object.entries(t.Resources)
        .filter(([, r]) => r.Type === type)
        .map(([id, resource]) => ({ stack, id, resource })),
    );
  }

  /** ARN of the one resource of `type` whose logical id starts with `prefix`. */
  arn(type: string, prefix: string): string {
    const found = this.resources(type).filter((r) => r.id.startsWith(prefix));
    if (found.length !== 1)
      throw new Error(`${found.length} resources of type ${type} start with ${prefix}: ${found.map((f) => f.id).join(', ')}`);
    const attr = type === 'AWS::SNS::Topic' || type === 'AWS::StepFunctions::StateMachine' ? null : 'Arn';
    return attr ? this.getAtt(found[0].id, attr, found[0].stack) : this.ref(found[0].id, found[0].stack);
  }

  /** Name (Ref) of the one resource of `type` whose logical id starts with `prefix`. */
  name(type: string, prefix: string): string {
    const found = this.resources(type).filter((r) => r.id.startsWith(prefix));
    if (found.length !== 1) throw new Error(`${found.length} resources of type ${type} start with ${prefix}`);
    return this.ref(found[0].id, found[0].stack);
  }

  /** Every identity policy attached to a role (inline policies and AWS::IAM::Policy resources naming it). */
  identityPolicies(roleArn: string): { name: string; policy: Json }[] {
    const out: { name: string; policy: Json }[] = [];
    for (const { stack, id, resource } of this.resources('AWS::IAM::Role')) {
      if (this.getAtt(id, 'Arn', stack) !== roleArn) continue;
      for (const p of resource.Properties?.Policies ?? [])
        out.push({ name: `${id}/${p.PolicyName}`, policy: this.resolve(p.PolicyDocument, stack) });
      const managed = (resource.Properties?.ManagedPolicyArns ?? []) as Json[];
      if (managed.length > 0)
        throw new Error(`role ${id} has managed policies the simulator does not know: ${JSON.stringify(this.resolve(managed, stack))}`);
      const roleName = this.ref(id, stack);
      for (const pol of [...this.resources('AWS::IAM::Policy'), ...this.resources('AWS::IAM::ManagedPolicy')]) {
        const roles = this.resolve(pol.resource.Properties?.Roles ?? [], pol.stack) as string[];
        if (roles.includes(roleName)) out.push({ name: pol.id, policy: this.resolve(pol.resource.Properties!.PolicyDocument, pol.stack) });
      }
      return out;
    }
    throw new Error(`no role ${roleArn} in the templates`);
  }

  /** The resource-based policy AWS evaluates for a request on `arn` (bucket, queue, topic or key policy). */
  resourcePolicy(arn: string): Json | undefined {
    const [, , service, , , rest] = arn.split(':');
    if (service === 's3') {
      const bucket = arn.split(':::')[1].split('/')[0];
      return this.policyOf('AWS::S3::BucketPolicy', (p, s) => this.resolve(p.Bucket, s) === bucket);
    }
    if (service === 'sqs') {
      return this.policyOf('AWS::SQS::QueuePolicy', (p, s) => (this.resolve(p.Queues, s) as string[]).some((u) => u.endsWith(`/${rest}`)));
    }
    if (service === 'sns') return this.policyOf('AWS::SNS::TopicPolicy', (p, s) => (this.resolve(p.Topics, s) as string[]).includes(arn));
    if (service === 'kms') {
      for (const { stack, id, resource } of this.resources('AWS::KMS::Key')) {
        if (this.getAtt(id, 'Arn', stack) === arn) return this.resolve(resource.Properties!.KeyPolicy, stack);
      }
      throw new Error(`no key ${arn} in the templates`);
    }
    return undefined;
  }

  /** Decides one request with AWS's evaluation logic. */
  async decide(req: AccessRequest): Promise<Decision> {
    const isService = req.principal.endsWith('.amazonaws.com');
    const account = isService ? undefined : req.principal.split(':')[4];
    const context: Record<string, string | string[]> = {
      'aws:SecureTransport': 'true',
      'aws:CurrentTime': '2026-12-07T12:00:00Z',
      'aws:RequestedRegion': REGION,
      ...(isService ? {} : { 'aws:PrincipalArn': req.principal, 'aws:PrincipalAccount': account!, 'aws:PrincipalType': 'AssumedRole' }),
      ...(req.action.startsWith('kms:') && account ? { 'kms:CallerAccount': account } : {}),
      ...req.context,
    };
    const out = await runSimulation(
      {
        request: {
          principal: req.principal,
          action: req.action,
          resource: { resource: req.resource, accountId: req.resourceAccount ?? ACCOUNT },
          contextVariables: context,
        },
        identityPolicies: isService ? [] : this.identityPolicies(req.principal),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: this.resourcePolicy(req.resource),
      },
      { simulationMode: 'Strict' },
    );
    if (out.resultType === 'error') return { request: req, result: 'Error', detail: JSON.stringify(out.errors) };
    return { request: req, result: out.overallResult };
  }

  private policyOf(type: string, match: (props: Record<string, Json>, stack: string) => boolean): Json | undefined {
    const found = this.resources(type).filter((r) => match(r.resource.Properties!, r.stack));
    if (found.length > 1) throw new Error(`${found.length} ${type} resources apply to the same resource`);
    return found[0] ? this.resolve(found[0].resource.Properties!.PolicyDocument, found[0].stack) : undefined;
  }

  private importValue(name: string): Json {
    for (const [stack, t] of Object.entries(this.stacks)) {
      for (const o of Object.values(t.Outputs ?? {}))
        if (o.Export && this.resolve(o.Export.Name, stack) === name) return this.resolve(o.Value, stack);
    }
    throw new Error(`no stack exports ${name}`);
  }

  private resource(id: string, stack: string): Resource {
    const r = this.stacks[stack].Resources[id];
    if (!r) throw new Error(`no resource ${id} in stack ${stack}`);
    return r;
  }

  private ref(id: string, stack: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::AccountId': ACCOUNT,
      'AWS::Region': REGION,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stack,
    };
    if (id in pseudo) return pseudo[id];
    const r = this.resource(id, stack);
    const p = r.Properties ?? {};
    const named = (field: string) => (p[field] !== undefined ? String(this.resolve(p[field], stack)) : id.toLowerCase());
    switch (r.Type) {
      case 'AWS::S3::Bucket':
        return p.BucketName ? named('BucketName') : `${stack}-${id.toLowerCase()}`;
      case 'AWS::IAM::Role':
        return named('RoleName');
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${named('QueueName')}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${REGION}:${ACCOUNT}:${named('TopicName')}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${named('StateMachineName')}`;
      case 'AWS::Lambda::Function':
        return named('FunctionName');
      case 'AWS::DynamoDB::Table':
        return named('TableName');
      case 'AWS::Logs::LogGroup':
        return named('LogGroupName');
      case 'AWS::Athena::WorkGroup':
        return named('Name');
      case 'AWS::KMS::Key':
        return id.toLowerCase();
      case 'AWS::ECS::Cluster':
        return named('ClusterName');
      case 'AWS::ECS::TaskDefinition':
        return `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${named('Family')}:1`;
      case 'AWS::Events::Rule':
        return named('Name');
      default:
        return id;
    }
  }

  private getAtt(id: string, attr: string, stack: string): string {
    const r = this.resource(id, stack);
    const name = this.ref(id, stack);
    const arns: Record<string, () => string> = {
      'AWS::S3::Bucket': () => `arn:aws:s3:::${name}`,
      'AWS::IAM::Role': () => `arn:aws:iam::${ACCOUNT}:role/${name}`,
      'AWS::SQS::Queue': () => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name.split('/').pop()}`,
      'AWS::KMS::Key': () => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${name}`,
      'AWS::Lambda::Function': () => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
      'AWS::DynamoDB::Table': () => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
      'AWS::Logs::LogGroup': () => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`,
      'AWS::Events::Rule': () => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`,
      'AWS::CloudWatch::Alarm': () => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
      'AWS::ECS::Cluster': () => `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${name}`,
      'AWS::StepFunctions::StateMachine': () => name,
      'AWS::SNS::Topic': () => name,
    };
    if (attr === 'Arn' && arns[r.Type]) return arns[r.Type]();
    if (r.Type === 'AWS::SQS::Queue' && attr === 'QueueName') return name.split('/').pop()!;
    if (r.Type === 'AWS::SNS::Topic' && attr === 'TopicName') return name.split(':').pop()!;
    if (r.Type === 'AWS::StepFunctions::StateMachine' && attr === 'Name') return name.split(':').pop()!;
    if (r.Type === 'AWS::S3::Bucket' && attr === 'RegionalDomainName') return `${name}.s3.${REGION}.amazonaws.com`;
    if (r.Type === 'AWS::S3::Bucket' && attr === 'DomainName') return `${name}.s3.amazonaws.com`;
    return `${id}.${attr}`;
  }
}
