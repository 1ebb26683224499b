/** The HTML report of a sweep. */
export { renderReport, escapeHtml, type ReportInput } from './html-report';
