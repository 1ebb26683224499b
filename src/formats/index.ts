/**
 * Log formats: family detection, one streaming parser per family, host hints.
 */
export { detectFamily, detectionHint, describeUnrecognized, decodeHead } from './detect';
export { parserFor } from './registry';
export { hostFromPath } from './host-hint';
export { FAMILIES, FAMILY_LABELS } from './types';
export type { Family, Detection, FamilyParser, TextFamilyParser, BinaryFamilyParser, ParseContext, TextParser } from './types';
