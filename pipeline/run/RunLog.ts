import { createWriteStream, type WriteStream } from 'node:fs';

/** `run.log` plus an optional echo to the console (off while progress bars own the terminal). */
export class RunLog {
  private readonly file: WriteStream;
  echo: ((line: string) => void) | undefined;

  constructor(path: string, echo?: (line: string) => void) {
    this.file = createWriteStream(path, { flags: 'a' });
    // A failing log must not take the run down with it; the manifest still tells the story.
    this.file.on('error', () => undefined);
    this.echo = echo;
  }

  write(message: string, stage?: string): void {
    const line = `${new Date().toISOString()} ${stage ? `[${stage}] ` : ''}${message}`;
    this.file.write(line + '\n');
    this.echo?.(stage ? `[${stage}] ${message}` : message);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.file.end(resolve));
  }
}
