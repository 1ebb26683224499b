/**
 * Log formats: family detection, one streaming parser per family, host hints.
 */
export { detectFamily, detectionHint, describeUnrecognized, decodeHead } from './detect';
export {
  parserFor,
  familyFacts,
  familiesOfTable,
  equivalentFamilies,
  isFamily,
  FAMILIES,
  FAMILY_LABELS,
  LOCAL_TIME_FAMILIES,
  WINDOWS_EVENT_FAMILIES,
} from './registry';
export { hostFromPath } from './host-hint';
export type { Family, FamilyFacts, Detection, FamilyParser, TextFamilyParser, BinaryFamilyParser, ParseContext, TextParser } from './types';
export { UTC_ZONE, ZoneError, parseZone, type LocalZone } from './text/zone';
export { readBlock, type WebLogKernel } from './iis-kernel/index';
