/**
 * @gofer/testkit: for testing Gofer scheduler plugins, pipelines and extensions. The scheduler
 * contract suite (uvu tests every scheduler must pass), an in-memory fake scheduler, a plugin
 * context for a scheduler under test, `createTestGofer` (an in-memory core on the fake, with a
 * fake clock) and an extension harness (a fake context recording `startRun`). It uses only the
 * public entry points of `@gofer/core` and `@gofer/core/api`.
 */
export { runSchedulerContract } from './contract.js';
export type { SchedulerCapabilities, SchedulerContractOptions, SchedulerFactoryModule, ScriptedTask } from './contract.js';
export { collect, waitForEnd } from './contract-helpers.js';
export { FakeClock, FAKE_CLOCK_START } from './fake-clock.js';
export { FakeScheduler } from './fake-scheduler.js';
export type { FakeBehaviour, FakeContainer } from './fake-scheduler.js';
export { fakeSchedulerFactory } from './fake-factory.js';
export { memoryLogger, memoryState, tempDir, testContext } from './plugin-context.js';
export type { LogEntry, MemoryLogger, TestPluginContext } from './plugin-context.js';
export { createTestGofer } from './test-gofer.js';
export type { TestGofer, TestGoferOptions, TestRunResult } from './test-gofer.js';
export { extensionContext, startExtension } from './extension-harness.js';
export type { ExtensionContextOptions, ExtensionUnderTest, TestExtensionContext } from './extension-harness.js';
