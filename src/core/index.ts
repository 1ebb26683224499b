/** Ports shared by the CLI, the Lambdas and the tests. */
export { type ObjectStore, type ObjectInfo, ObjectNotFoundError, InvalidKeyError, assertValidKey, readText } from './object-store';
export { LocalObjectStore } from './local-object-store';
export { parseSize, formatBytes, SizeFormatError } from './units';
export { crc32 } from './crc32';
