/**
 * `@gofer/core`: the public API (contracts, SDK) and `createGofer`, the entry point for host apps.
 */
export * from './api/index.js';
export { createGofer } from './composition/create-gofer.js';
export { loadConfig } from './kernel/config.js';
export { createLogger, memoryLogger, type LogEntry, type LogLevel, type LogSink } from './kernel/logger.js';
export { ApprovalTask, Pipeline, Task } from './pipelines/sdk.js';
export { validatePipelineConfig, pipelineConfigProblems, type ConfigProblem } from './pipelines/validate-config.js';
