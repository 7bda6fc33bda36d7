/** The pipeline config's schemas: defined with its types in the public API (api/pipeline.ts). */
export { ID_PATTERN, PIPELINE_SCHEMA, TASK_SCHEMA } from '../api/index.js';
