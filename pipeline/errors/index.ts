export { T2vError, UsageError } from './T2vError.ts';
export { DagError, DagValidationError, formatLocation, type DagLocation } from './DagError.ts';
export { StageError, OutputError, RunAbortedError, describeError } from './StageError.ts';
export { DatasetError } from './DatasetError.ts';
