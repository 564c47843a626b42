/** Something the project must install, or point rollsafe to: said in one line with the fix (exit 2), never as an internal error. */
export class SetupError extends Error {
  override name = 'SetupError';
}
