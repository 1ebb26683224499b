import * as zlib from 'node:zlib';
import { crc32, crc32Js } from '../../src/core/crc32';

describe('crc32', () => {
  it('matches the zip/gzip CRC-32 in the fallback, also when continued over chunks', () => {
    // Prepare
    const data = Buffer.from('2021-03-02 10:20:30 POST /ecp/DDI/DDIService.svc/SetObject\r\n'.repeat(1000));
    // Act
    const whole = crc32Js(data);
    const chunked = crc32Js(data.subarray(5000), crc32Js(data.subarray(0, 5000)));
    // Assess
    expect(crc32Js(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(whole).toBe(chunked);
    expect(whole).toBe(crc32(data));
    // The gzip trailer stores the same CRC-32.
    expect(zlib.gzipSync(data).readUInt32LE(zlib.gzipSync(data).length - 8)).toBe(whole);
  });
});
