/**
 * Terminal colours: only on a TTY and never with NO_COLOR (the caller decides, passing `color`).
 */

const CODES = { red: 31, green: 32, amber: 33, bold: 1, dim: 2 } as const;
export type Paint = keyof typeof CODES;

/** Wraps text in an ANSI colour when `color` is true. */
export function paint(color: boolean, style: Paint, text: string): string {
  return color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}
