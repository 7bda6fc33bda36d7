/**
 * What the scheduler remembers about the containers it started, in files under the plugin's
 * data directory, so that a fresh instance (after a core restart) still knows which ones it
 * stopped on purpose, and which ones vanished behind its back. Labels cannot carry this: they
 * are fixed at creation.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One container's record. */
export interface ExecutionRecord {
  name: string;
  image: string;
  startedAt: number;
  /** Set when stopContainer sent the graceful signal. */
  cancelled?: boolean;
}

/** A directory of JSON records, one per container name. */
export class ExecutionRecords {
  private readonly dir: string;
  private ready: Promise<unknown> | undefined;
  /** Makes every write's temporary file unique: two writes of one record may overlap. */
  private writes = 0;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'containers');
  }

  async get(name: string): Promise<ExecutionRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.path(name), 'utf8')) as ExecutionRecord;
    } catch {
      return undefined;
    }
  }

  async put(record: ExecutionRecord): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    // Written whole, then renamed into place: a reader never sees half a record. The name is
    // unique per write, or the second of two overlapping writes would find its file renamed away.
    const tmp = `${this.path(record.name)}.${process.pid}.${++this.writes}.tmp`;
    await writeFile(tmp, JSON.stringify(record));
    await rename(tmp, this.path(record.name));
  }

  async delete(name: string): Promise<void> {
    await rm(this.path(name), { force: true });
  }

  private path(name: string): string {
    return join(this.dir, `${name}.json`);
  }
}
