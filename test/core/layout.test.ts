import { parseAppConfig } from '../../lib/app-config';
import {
  agencyPrefix,
  agencyUploadPrefix,
  assertAgencyId,
  assertUploadId,
  isUploadFileKey,
  lakeFileKey,
  LayoutError,
  manifestKey,
  newUploadId,
  parseManifestKey,
  parseUploadKey,
  pendingSweepStateKey,
  uploadKey,
} from '../../src/core/layout';
import { normalizeUpload } from '../../src/pipeline/normalize';

describe('parseUploadKey', () => {
  it('reads agency, upload id and the original file name (folders and spaces kept)', () => {
    // Act
    const plain = parseUploadKey('uploads/agency=doj/u-1/EXCH01/Logging/HttpProxy_2021030302-1.LOG');
    const encoded = parseUploadKey('uploads/agency=doj/u-1/EXCH01+logs%281%29.zip', { urlEncoded: true });

    // Assess
    expect(plain).toEqual({
      agency: 'doj',
      uploadId: 'u-1',
      fileName: 'EXCH01/Logging/HttpProxy_2021030302-1.LOG',
      prefix: 'uploads/agency=doj/u-1/',
    });
    expect(encoded.fileName).toBe('EXCH01 logs(1).zip');
  });

  it('throws LayoutError naming the key for keys outside the layout or climbing out', () => {
    for (const k of ['uploads/doj/x.zip', 'uploads/agency=doj/u-1/', 'uploads/agency=doj/u-1/../../x', 'uploads/agency=../u/x', 'lake/x']) {
      expect(() => parseUploadKey(k)).toThrow(LayoutError);
      expect(() => parseUploadKey(k)).toThrow(`invalid key ${JSON.stringify(k)}`);
    }
  });

  it('decodes before checking, so an encoded climb is still refused', () => {
    expect(() => parseUploadKey('uploads/agency=doj/u-1/a%2F..%2F..%2Fx', { urlEncoded: true })).toThrow(LayoutError);
  });
});

describe('parseManifestKey', () => {
  it('reads agency and upload id, and throws for anything else', () => {
    expect(parseManifestKey('manifests/agency=dhs/u-2.json')).toEqual({ agency: 'dhs', uploadId: 'u-2' });
    expect(() => parseManifestKey('manifests/agency=dhs/u-2.txt')).toThrow(
      'invalid key "manifests/agency=dhs/u-2.txt": expected manifests/agency=<id>/<upload-id>.json',
    );
  });

  it('reads back what manifestKey builds', () => {
    expect(parseManifestKey(manifestKey('doj', '20210302T101530Z-1a2b3c4d'))).toEqual({
      agency: 'doj',
      uploadId: '20210302T101530Z-1a2b3c4d',
    });
  });
});

describe('key builders', () => {
  it('build the keys of the architecture spec', () => {
    // Prepare
    const id = newUploadId(new Date('2021-03-02T10:15:30Z'), () => Buffer.from([0x1a, 0x2b, 0x3c, 0x4d]));

    // Assess
    expect(id).toBe('20210302T101530Z-1a2b3c4d');
    expect(uploadKey('doj', id, 'EXCH01 logs.zip')).toBe('uploads/agency=doj/20210302T101530Z-1a2b3c4d/EXCH01 logs.zip');
    expect(agencyUploadPrefix('doj')).toBe('uploads/agency=doj/');
    expect(manifestKey('doj', id)).toBe('manifests/agency=doj/20210302T101530Z-1a2b3c4d.json');
    expect(agencyPrefix('web_requests', 'doj')).toBe('lake/web_requests/agency=doj/');
    expect(lakeFileKey('web_requests', 'doj', '2021-03-02', id, 3)).toBe(
      'lake/web_requests/agency=doj/dt=2021-03-02/20210302T101530Z-1a2b3c4d-3.parquet',
    );
    expect(pendingSweepStateKey('run-1')).toBe('sweep-state/pending/run-1.json');
  });

  it('refuse file names with separators and ids outside the alphabet, naming the bad value', () => {
    expect(() => uploadKey('doj', 'u-1', 'a/b.zip')).toThrow('invalid file name "a/b.zip"');
    expect(() => uploadKey('doj', 'u-1', '..')).toThrow(LayoutError);
    expect(() => manifestKey('doj', 'u/1')).toThrow('invalid upload id "u/1"');
    expect(() => assertUploadId('x'.repeat(129))).toThrow(LayoutError);
    expect(assertUploadId('x'.repeat(128))).toHaveLength(128);
    expect(() => pendingSweepStateKey('../x')).toThrow('invalid run id "../x"');
  });

  it("tell an upload's lake files from those of an upload whose id extends it", () => {
    expect(isUploadFileKey('lake/t/agency=a/dt=2021-03-02/u-1-0.parquet', 'u-1')).toBe(true);
    expect(isUploadFileKey('lake/t/agency=a/dt=2021-03-02/u-1-2-0.parquet', 'u-1')).toBe(false);
  });
});

function thrown(f: () => unknown): unknown {
  try {
    f();
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('agency id rule', () => {
  // Ids the former rules (lake 128, upload grants 128, S3 event keys 128, deployment config 64) disagreed on, and
  // the plain cases.
  const accepted = ['doj', 'DHS-2', 'a', 'x.y_z-1', '9', 'a'.repeat(64)];
  const rejected = ['', '-doj', '.doj', '_doj', 'a..b', '../evil', 'a b', 'agency=x', 'dój', 'a'.repeat(65), 'a'.repeat(128)];

  const config = (id: string) => ({ agencies: [{ id }], securityTeam: ['soc@example.org'] });
  const rules: Record<string, (id: string) => unknown> = {
    assertAgencyId: (id) => assertAgencyId(id),
    agencyUploadPrefix: (id) => agencyUploadPrefix(id),
    manifestKey: (id) => manifestKey(id, 'u-1'),
    parseUploadKey: (id) => parseUploadKey(`uploads/agency=${id}/u-1/x.zip`),
    parseManifestKey: (id) => parseManifestKey(`manifests/agency=${id}/u-1.json`),
    parseAppConfig: (id) => parseAppConfig(config(id)),
  };

  it('is the same for the upload grants, the S3 event keys, the lake and the deployment config', () => {
    for (const [name, rule] of Object.entries(rules)) {
      for (const id of accepted) expect(() => rule(id)).not.toThrow();
      for (const id of rejected) expect({ name, id, error: thrown(() => rule(id)) }).toEqual({ name, id, error: expect.any(Error) });
      for (const id of rejected) expect(() => rule(id)).toThrow(name === 'parseAppConfig' ? `agencies[0].id` : LayoutError);
    }
  });

  it('is the one normalize applies (64 characters, the bad value in the message)', async () => {
    // Act
    const tooLong = normalizeUpload({ inputs: ['x'], agency: 'a'.repeat(65), lakeRoot: 'unused' });

    // Assess
    await expect(tooLong).rejects.toThrow(`invalid agency id "${'a'.repeat(65)}": an agency id must be 1-64 letters`);
  });
});
