export { EmptyInputError, InputNotFoundError, InvalidSizeError } from './errors.js';
export { type InputFile, listInputs } from './listInputs.js';
export { makeSplits } from './makeSplits.js';
export { parseSize } from './parseSize.js';
export { newJobId, type PlannedJob, type PlanRequest, planJob } from './planJob.js';
