/** The HTML report of a sweep. */
export { renderReport, escapeHtml, type ReportInput } from './html-report';
export { buildBoard, coverageFromManifests, uploadSummary, type Board, type UploadSummary } from './board-model';
export { renderBoard } from './board-html';
export { BOARD_HTML_KEY, BOARD_JSON_KEY, BOARD_PREFIX, readFindings, readManifests, writeBoard } from './board-sources';
export { diffDigest, digestSubject, isQuiet, renderDigestText, snapshotOf, type Digest, type DigestSnapshot } from './digest';
