import { LayoutKeyError, parseManifestKey, parseUploadKey } from '../../src/aws/upload-key';

describe('parseUploadKey', () => {
  it('reads agency, upload id and the original file name (folders and spaces kept)', () => {
    expect(parseUploadKey('uploads/agency=doj/u-1/EXCH01/Logging/HttpProxy_2021030302-1.LOG')).toEqual({
      agency: 'doj',
      uploadId: 'u-1',
      fileName: 'EXCH01/Logging/HttpProxy_2021030302-1.LOG',
      prefix: 'uploads/agency=doj/u-1/',
    });
    expect(parseUploadKey('uploads/agency=doj/u-1/EXCH01+logs%281%29.zip', { urlEncoded: true }).fileName).toBe('EXCH01 logs(1).zip');
  });

  it('throws LayoutKeyError for keys outside the layout or climbing out', () => {
    for (const k of ['uploads/doj/x.zip', 'uploads/agency=doj/u-1/', 'uploads/agency=doj/u-1/../../x', 'uploads/agency=../u/x', 'lake/x']) {
      expect(() => parseUploadKey(k)).toThrow(LayoutKeyError);
    }
  });
});

describe('parseManifestKey', () => {
  it('reads agency and upload id, and throws for anything else', () => {
    expect(parseManifestKey('manifests/agency=dhs/u-2.json')).toEqual({ agency: 'dhs', uploadId: 'u-2' });
    expect(() => parseManifestKey('manifests/agency=dhs/u-2.txt')).toThrow(
      'key "manifests/agency=dhs/u-2.txt" is not manifests/agency=<id>/<upload-id>.json',
    );
  });
});
