import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseAppConfig } from '../../lib/app-config';
import { INDICATORS_TABLE, PARTITION_COLUMNS, TABLES, athenaType } from '../../src/lake/schema';
import { render, TEST_CONFIG, testStacks } from './support';

describe('StatefulStack', () => {
  const { data } = testStacks();
  const template = Template.fromStack(data);
  const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
  const logicalId = (type: string, pathPart: string) =>
    Object.entries(json.Resources).find(([id, r]) => r.Type === type && id.startsWith(pathPart))![0];
  const uploads = logicalId('AWS::S3::Bucket', 'UploadsBucket');
  const lake = logicalId('AWS::S3::Bucket', 'Lake');

  it('encrypts the upload, lake and results buckets with the data key, versions them and blocks public access', () => {
    // Prepare
    const dataKey = logicalId('AWS::KMS::Key', 'DataKey');

    // Act
    const buckets = ['UploadsBucket', 'Lake', 'AthenaResults'].map((p) => json.Resources[logicalId('AWS::S3::Bucket', p)].Properties);

    // Assess
    for (const b of buckets) {
      expect(render(b.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault)).toEqual({
        SSEAlgorithm: 'aws:kms',
        KMSMasterKeyID: `<${dataKey}.Arn>`,
      });
      expect(b.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.LoggingConfiguration).toBeDefined();
    }
    expect(buckets[0].VersioningConfiguration).toEqual({ Status: 'Enabled' });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: uploads },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: lake },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    template.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.resourceCountIs('AWS::KMS::Key', 2);
  });

  it('denies non-TLS access and denies reading uploads to everyone but the normalizer role', () => {
    // Prepare
    const policy = Object.values(json.Resources).find(
      (r) => r.Type === 'AWS::S3::BucketPolicy' && render(r.Properties.Bucket) === `<${uploads}>`,
    )!;

    // Act
    const statements = (render(policy.Properties.PolicyDocument) as { Statement: any[] }).Statement;

    // Assess
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const onlyPipeline = statements.find((s) => s.Sid === 'OnlyThePipelineReadsUploads');
    expect(onlyPipeline).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectAttributes'],
      Resource: `<${uploads}.Arn>/*`,
    });
    expect(onlyPipeline.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([
      'arn:<AWS::Partition>:iam::<AWS::AccountId>:role/sweep-normalizer',
      'arn:<AWS::Partition>:iam::<AWS::AccountId>:role/sweep-normalizer-task',
    ]);
  });

  it("defines one Glue Parquet table per lake table (<table>_files) with the schema's columns, in order, and partition projection", () => {
    // Prepare
    const tables = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::Glue::Table')
      .map((r) => render(r.Properties.TableInput) as any);

    // Act
    const byName = new Map(tables.map((t) => [t.Name, t]));

    // Assess
    expect([...byName.keys()].sort()).toEqual(
      [...Object.keys(TABLES), ...Object.keys(TABLES).map((t) => `${t}_files`), 'indicators', 'lake_commits'].sort(),
    );
    for (const def of Object.values(TABLES)) {
      const t = byName.get(`${def.name}_files`);
      expect(t.StorageDescriptor.Columns.map((c: any) => [c.Name, c.Type])).toEqual(def.columns.map((c) => [c.name, athenaType(c.type)]));
      expect(t.PartitionKeys.map((c: any) => [c.Name, c.Type])).toEqual(PARTITION_COLUMNS.map((c) => [c.name, 'string']));
      expect(t.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
      expect(t.Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.agency.type': 'enum',
        'projection.agency.values': 'doj,dhs',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': '2019-01-01,NOW',
        'storage.location.template': `s3://<${lake}>/lake/${def.name}/agency=\${agency}/dt=\${dt}`,
      });
    }
    const ind = byName.get('indicators');
    expect(ind.StorageDescriptor.Columns.map((c: any) => c.Name)).toEqual(INDICATORS_TABLE.columns.map((c) => c.name));
    expect(ind.StorageDescriptor.Location).toBe(`s3://<${lake}>/indicators/`);
    // Parquet, as the lake tables: OpenCSVSerde's escape character dropped the backslashes of Windows paths.
    expect(ind.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    expect(ind.Parameters.classification).toBe('parquet');
  });

  it('hunts name views that read only the files lake_commits lists (Athena reads every object under a prefix)', () => {
    // Prepare
    const tables = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::Glue::Table')
      .map((r) => render(r.Properties.TableInput) as any);
    const byName = new Map(tables.map((t) => [t.Name, t]));
    // Act
    const views = Object.values(TABLES).map((def) => {
      const t = byName.get(def.name);
      const m = /^\/\* Presto View: ([A-Za-z0-9+/=]+) \*\/$/.exec(t.ViewOriginalText);
      return { def, t, presto: m ? JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')) : null };
    });
    const commits = byName.get('lake_commits');
    // Assess: the catalog entry Athena's CREATE VIEW would make, over the Parquet table, filtered on "$path".
    for (const { def, t, presto } of views) {
      expect(t).toMatchObject({ TableType: 'VIRTUAL_VIEW', Parameters: { presto_view: 'true' }, ViewExpandedText: '/* Presto View */' });
      expect(presto).toMatchObject({ catalog: 'awsdatacatalog', schema: 'sweep_lake' });
      expect(presto.columns.map((c: any) => c.name)).toEqual([...def.columns, ...PARTITION_COLUMNS].map((c) => c.name));
      expect(t.StorageDescriptor.Columns.map((c: any) => c.Name)).toEqual(presto.columns.map((c: any) => c.name));
      expect(presto.originalSql).toContain(
        `FROM "${def.name}_files" f JOIN (SELECT DISTINCT "path", "agency" FROM "lake_commits" WHERE "table_name" = '${def.name}') c ` +
          `ON f."$path" = c."path" AND f."agency" = c."agency"`,
      );
    }
    expect(commits.StorageDescriptor.Columns.map((c: any) => c.Name)).toEqual(['table_name', 'path', 'upload_id', 'sha256']);
    expect(commits.PartitionKeys.map((c: any) => c.Name)).toEqual(['agency']);
    expect(commits.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(commits.Parameters['storage.location.template']).toBe(`s3://<${lake}>/commits/agency=\${agency}`);
  });

  it("names each agency's upload role (its access is decided in access-matrix.test.ts)", () => {
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'sweep-upload-doj' });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'sweep-upload-dhs' });
  });

  it('keeps the dedup table encrypted with the data key and recoverable', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'fingerprint', KeyType: 'HASH' }],
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  it('keeps the logical ids of stateful resources stable', () => {
    // Renaming these replaces buckets, keys and tables: a deployment would lose data.
    expect(uploads).toMatch(/^UploadsBucket[0-9A-F]{8}$/);
    expect(lake).toMatch(/^Lake[0-9A-F]{8}$/);
    for (const id of ['DataKey', 'MessagingKey', 'AthenaResults', 'FindingsDedup', 'CatalogDatabase', 'CatalogTableweb']) {
      expect(Object.keys(json.Resources).some((k) => k.startsWith(id))).toBe(true);
    }
  });
});

describe('parseAppConfig', () => {
  it('fills defaults: retro-hunt since 2019-01-01, 1 TiB cutoff, 4 hunts at once', () => {
    expect(TEST_CONFIG.retroHunt).toEqual({ schedule: 'cron(0 3 ? * SUN *)', since: '2019-01-01', enabled: true });
    expect(TEST_CONFIG.athena.bytesScannedCutoffPerQuery).toBe(1024 ** 4);
    expect(TEST_CONFIG.huntConcurrency).toBe(4);
    expect(TEST_CONFIG.normalizer.largeUploadBytes).toBe(2 * 1024 ** 3);
  });

  it('throws on bad values, showing them', () => {
    const base = { agencies: [{ id: 'doj' }], securityTeam: ['a@b.gov'] };
    expect(() => parseAppConfig({ ...base, agencies: [{ id: '../x' }] })).toThrow('agencies[0].id must match');
    expect(() => parseAppConfig({ ...base, agencies: [{ id: 'doj' }, { id: 'doj' }] })).toThrow('agencies[1].id "doj" is listed twice');
    expect(() => parseAppConfig({ ...base, securityTeam: ['not-an-email'] })).toThrow(
      'securityTeam[0] must be an e-mail address, got "not-an-email"',
    );
    expect(() => parseAppConfig({ ...base, athena: { bytesScannedCutoffPerQuery: 5 } })).toThrow('got 5');
    expect(() => parseAppConfig({ ...base, retroHunt: { since: '2019-13-45x' } })).toThrow(
      'retroHunt.since must be a day as YYYY-MM-DD, got "2019-13-45x"',
    );
    expect(() => parseAppConfig({ ...base, agencies: [] })).toThrow('agencies must be a non-empty list, got []');
    expect(() => parseAppConfig({ ...base, agencies: [{ id: 'doj', timeZone: 'Europe/Atlantis' }] })).toThrow(
      'agencies[0].timeZone: unknown time zone "Europe/Atlantis"',
    );
    expect(() => parseAppConfig({ ...base, agencies: [{ id: 'doj', timeZone: 1 }] })).toThrow(
      'agencies[0].timeZone must be a string, got 1',
    );
    expect(() => parseAppConfig({ ...base, normalizer: { largeUploadBytes: 9 * 1024 ** 3 } })).toThrow(
      `normalizer.largeUploadBytes must be an integer in 1..${8 * 1024 ** 3}`,
    );
    expect(() => parseAppConfig(5)).toThrow('config must be an object, got 5');
    expect(() => parseAppConfig({ ...base, huntConcurrency: '4' })).toThrow(
      'huntConcurrency must be an integer in 1..20 (Athena\'s default limit is 20 active DML queries), got "4"',
    );
    expect(() => parseAppConfig({ ...base, retroHunt: { enabled: 'no' } })).toThrow('retroHunt.enabled must be true or false, got "no"');
    expect(() => parseAppConfig({ ...base, agencies: [{ id: 'doj', owners: 'a@b.gov' }] })).toThrow(
      'agencies[0].owners must be a list, got "a@b.gov"',
    );
  });

  it('reads null as absent: the default, or no list', () => {
    const c = parseAppConfig({
      agencies: [{ id: 'doj', owners: null }],
      securityTeam: ['a@b.gov'],
      prefix: null,
      huntConcurrency: null,
      uploadReaders: null,
    });
    expect([c.prefix, c.huntConcurrency, c.agencies[0].owners, c.uploadReaders]).toEqual(['sweep', 4, [], undefined]);
  });

  it("keeps an agency's time zone for its export times, and none when not given", () => {
    const c = parseAppConfig({ agencies: [{ id: 'fin', timeZone: 'Europe/Brussels' }, { id: 'doj' }], securityTeam: ['a@b.gov'] });
    expect(c.agencies.map((a) => a.timeZone)).toEqual(['Europe/Brussels', undefined]);
  });
});
