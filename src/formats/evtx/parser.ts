/**
 * The `evtx` family parser: raw .evtx files into `windows_events` rows,
 * through windowsEventRow like every other Windows event source.
 */
import { windowsEventRow } from '../windows/event-row';
import type { BinaryFamilyParser } from '../types';
import { readEvtx } from './reader';
import { toWindowsEvent } from './record';

/**
 * Reads a raw .evtx stream chunk by chunk and emits one `windows_events` row
 * per record. Records or chunks that cannot be read are reported through
 * `ctx.reject` (numbered by record, or by chunk when no record number is
 * known) with the chunk in the reason; so are integrity warnings (checksum
 * mismatches), since those records may carry damaged values. Notices (dirty
 * flag, header checksum) are not rejections: nothing was lost.
 */
export const evtxParser: BinaryFamilyParser<'evtx'> = {
  family: 'evtx',
  kind: 'binary',
  facts: {
    label: 'Windows event logs (.evtx)',
    tables: ['windows_events'],
    whereOnServer:
      'C:\\Windows\\System32\\winevt\\Logs\\ (Application, Security, System, MSExchange Management, Sysmon): export with wevtutil epl',
    localTime: false,
  },
  async parse(stream, ctx) {
    await readEvtx(
      stream,
      (rec) => ctx.emit('windows_events', windowsEventRow(toWindowsEvent(rec), ctx.hostHint)),
      (p) => {
        if (p.severity === 'notice') return;
        ctx.reject(p.recordNumber ?? p.chunk ?? 0, p.severity === 'warning' ? `warning: ${p.reason}` : p.reason);
      },
    );
  },
};
