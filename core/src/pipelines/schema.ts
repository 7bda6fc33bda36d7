/** The pipeline config's schemas: defined with its types in the public API (api/pipeline.ts). */
export { APPROVAL_TASK_SCHEMA, ID_PATTERN, PIPELINE_SCHEMA, TASK_SCHEMA } from '../api/index.js';
