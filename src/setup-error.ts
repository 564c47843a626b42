/** Something the project must install, or point rollsafe to: said in one line with the fix (exit 2), never as an internal error. */
export class SetupError extends Error {
  override name = 'SetupError';
  constructor(
    message: string,
    /** The engine cannot run the set's setup (pg-mem): another engine may. */
    readonly engineLimit = false,
  ) {
    super(message);
  }
}
