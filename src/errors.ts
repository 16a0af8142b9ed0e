/**
 * User-facing errors. Anything a user can cause (a bad argument, a malformed file, shapes that do not fit)
 * is thrown as an ElunetError with a one-line message; the CLI prints `error: <message>` and exits with
 * code 1, without a stack trace. Anything else is a bug and keeps its stack trace.
 */
export class ElunetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElunetError';
  }
}

/** A shape or argument that does not fit, detected when an op or layer is built (never inside a loop). */
export class ShapeError extends ElunetError {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** A file that is not what it claims to be: the message names the file, what was expected and what was found. */
export class DataError extends ElunetError {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/** Throws a ShapeError unless `n` is an integer ≥ `min`. `what` names the op and argument, e.g. "conv2d: stride". */
export function checkInt(what: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min) {
    throw new ShapeError(`${what} must be an integer ≥ ${min}, got ${n}`);
  }
}
