export { type Clock, OffsetClock, systemClock } from './clock';
export { EventSourceMappingEngine, type EventSourceMappingEngineOptions, InvalidMappingError } from './engine';
export { FilterPatternError, RecordFilter } from './filter';
export { FileCheckpointStore, FolderFailedRecordSink } from './stores';
export * from './types';
