/**
 * Raw .evtx parser (placeholder until the streaming EVTX parser lands: issue #4).
 * Reports every .evtx file as not readable yet, so nothing is silently dropped.
 */
import type { BinaryFamilyParser } from '../types';

export const evtxParser: BinaryFamilyParser = {
  family: 'evtx',
  kind: 'binary',
  async parse(stream, ctx) {
    stream.resume();
    ctx.reject(0, 'raw .evtx parsing is not available in this build');
  },
};
