/**
 * Ordered shutdown. Each part of the core registers how to close itself under a phase; close()
 * runs the phases in order (extensions stop before the scheduler, stores close last), the
 * closers of one phase in reverse order of registration, and never twice.
 */
import type { Logger } from '../api/index.js';
import { withDeadline } from './deadline.js';

export const CLOSE_PHASES = ['extensions', 'server', 'runs', 'scheduler', 'stores'] as const;
export type ClosePhase = (typeof CLOSE_PHASES)[number];

interface Closer {
  name: string;
  phase: ClosePhase;
  close: () => Promise<void> | void;
}

export class Lifecycle {
  private readonly closers: Closer[] = [];
  private closing: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs = 10_000,
  ) {}

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Registers a closer. Later registrations of the same phase close first. */
  onClose(phase: ClosePhase, name: string, close: () => Promise<void> | void): void {
    this.closers.push({ name, phase, close });
  }

  /** Closes everything once; later calls return the same promise. Failures are logged, not thrown. */
  close(): Promise<void> {
    this.closing ??= this.runClosers();
    return this.closing;
  }

  private async runClosers(): Promise<void> {
    for (const phase of CLOSE_PHASES) {
      const inPhase = this.closers.filter((c) => c.phase === phase).reverse();
      for (const closer of inPhase) {
        try {
          await withDeadline(Promise.resolve().then(closer.close), this.timeoutMs, () => new Error(`did not close within ${this.timeoutMs} ms`));
        } catch (err) {
          this.logger.error(`closing ${closer.name} failed`, { phase, error: (err as Error).message });
        }
      }
    }
  }
}
