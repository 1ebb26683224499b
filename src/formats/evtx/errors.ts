/** Errors of the EVTX reader. */

/** A structure of the file (header, chunk, record, Binary XML) could not be read. */
export class EvtxFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EvtxFormatError';
  }
}
