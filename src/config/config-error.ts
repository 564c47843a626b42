/** A config problem, said in one line: `file: key.path: what is wrong`. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
