import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Versions recorded in every run manifest, so a result can be traced to the code that made it. */
export function versions(): Record<string, string> {
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    t2v: own.version,
    node: process.versions.node,
    rxjs: packageVersion('rxjs'),
    platform: `${process.platform}-${process.arch}`,
  };
}
