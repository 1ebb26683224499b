/**
 * Findings and receipts turned into what people read: SNS messages (routing attributes, size-bounded bodies) and
 * the terminal summary.
 */
export {
  findingMessage,
  findingFromMessage,
  toSubject,
  MAX_MESSAGE_BYTES,
  type RoutingAttributes,
  type NotificationMessage,
  type FindingMessageContext,
} from './message';
export { renderSummary, safeText, type ConsoleSummaryInput } from './console';
export { paint, type Paint } from './console-style';
