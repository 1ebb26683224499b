import { UploadEventError, uploadEventOf, uploadKeyOf } from '../../src/aws/upload-event';

const s3Event = (key: string, size = 10) =>
  JSON.stringify({ 'detail-type': 'Object Created', source: 'aws.s3', detail: { bucket: { name: 'b' }, object: { key, size } } });

describe('uploadEventOf', () => {
  it('takes keys as stored and as URL-encoded by S3 (= as %3D, spaces as +, UTF-8 escapes)', () => {
    expect(uploadEventOf(s3Event('uploads/agency=doj/u1/EXCH01.zip'), 'm')).toEqual({
      kind: 'object',
      key: 'uploads/agency=doj/u1/EXCH01.zip',
      size: 10,
    });
    expect(uploadEventOf(s3Event('uploads/agency%3Ddoj/u1/EXCH01+logs+%C3%A9t%C3%A9.zip'), 'm')).toEqual({
      kind: 'object',
      key: 'uploads/agency=doj/u1/EXCH01 logs été.zip',
      size: 10,
    });
    // Fits the layout as sent: a "+" in a stored file name stays a "+".
    expect(uploadKeyOf('uploads/agency=doj/u1/a+b.zip')).toBe('uploads/agency=doj/u1/a+b.zip');
    // Malformed escapes are not an encoding: the key is kept, and the layout check rejects it later.
    expect(uploadKeyOf('uploads/agency%3doj%zz/u1/x.zip')).toBe('uploads/agency%3doj%zz/u1/x.zip');
  });

  it('recognizes S3 console folder markers, encoded or not', () => {
    expect(uploadEventOf(s3Event('uploads/agency=doj/u1/', 0), 'm')).toEqual({ kind: 'folder', key: 'uploads/agency=doj/u1/' });
    expect(uploadEventOf(s3Event('uploads/agency%3Ddoj/', 0), 'm')).toEqual({ kind: 'folder', key: 'uploads/agency=doj/' });
  });

  it('reads the upload key back from a failed large-upload task event (a redriven dead letter)', () => {
    // Prepare
    const body = JSON.stringify({
      'detail-type': 'ECS Task State Change',
      source: 'aws.ecs',
      detail: {
        lastStatus: 'STOPPED',
        overrides: {
          containerOverrides: [{ name: 'normalizer', environment: [{ name: 'UPLOAD_KEY', value: 'uploads/agency=doj/u1/big.zip' }] }],
        },
      },
    });

    // Act, Assess
    expect(uploadEventOf(body, 'm')).toEqual({ kind: 'object', key: 'uploads/agency=doj/u1/big.zip' });
  });

  it('throws UploadEventError naming the message for bodies that name no object', () => {
    expect(() => uploadEventOf('not json', 'm-1')).toThrow(UploadEventError);
    expect(() => uploadEventOf('{"detail":{}}', 'm-2')).toThrow('message m-2 carries no detail.object.key');
    expect(() => uploadEventOf('{"detail-type":"ECS Task State Change","detail":{}}', 'm-3')).toThrow(
      'message m-3 is a task event without UPLOAD_KEY',
    );
  });
});
