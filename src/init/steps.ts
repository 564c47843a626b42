// What init did and what the user still has to do; files are written only when their content changes,
// so running init twice changes nothing.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class InitSteps {
  /** Files written (relative to the project) and git settings changed. */
  readonly changed: string[] = [];
  /** One line each: what the user should do or know. */
  readonly messages: string[] = [];

  constructor(readonly projectDir: string) {}

  /** Writes `content` unless the file already holds exactly that (and, for `mode`, is executable). */
  async write(file: string, content: string, mode?: number): Promise<void> {
    const exists = existsSync(file);
    const same = exists && (await readFile(file, 'utf8')) === content;
    const executable = !mode || (exists && ((await stat(file)).mode & 0o111) !== 0);
    if (same && executable) return;
    if (!same) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content, mode ? { mode } : {});
    }
    if (mode) await chmod(file, mode);
    this.record(path.relative(this.projectDir, file) || file);
  }

  record(change: string): void {
    if (!this.changed.includes(change)) this.changed.push(change);
  }

  note(message: string): void {
    if (!this.messages.includes(message)) this.messages.push(message);
  }
}
